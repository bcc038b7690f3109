import ArgumentParser
import Foundation
import LastMileBooking

/// Console operators (issue 13): their passwords go into the configuration file only as bcrypt hashes.
struct Operators: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Console operator accounts.", subcommands: [HashPassword.self])

    struct HashPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash-password",
            abstract: "Read a password on standard input; print its bcrypt hash for `operators[].password_hash`."
        )
        @Option(help: "bcrypt cost (10–16); each step doubles the time a sign-in (and a guess) takes.") var cost: UInt8 = 12

        func run() async throws {
            guard (10...16).contains(cost) else { throw ValidationError("--cost must be 10…16") }
            guard let password = readLine(strippingNewline: true), password.count >= 12 else {
                throw ValidationError("give a password of at least 12 characters on standard input")
            }
            print(ConsoleAccess.hashPassword(password, cost: cost))
        }
    }
}
