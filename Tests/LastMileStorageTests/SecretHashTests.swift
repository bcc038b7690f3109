import LastMileStorage
import Testing

/// Stored client secrets and tokens are found by this digest: its text must never change, or every stored
/// credential stops matching.
@Suite("Secret digests")
struct SecretHashTests {
    @Test("SHA-256 as 64 lowercase hex digits (FIPS 180-2 test vectors)")
    func knownVectors() {
        #expect(SecretHash.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SecretHash.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SecretHash.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    }
}
