-- B2's load generator (scripts/bench.py): each wrk thread has one keep-alive connection and books its share
-- of the users in turn: reserve the user's listed option, then create the order for the hold. wrk (C, with
-- LuaJIT) costs the two shared cores far less per request than a Python client, so the server is measured,
-- not the generator. Reads `users.txt` (one "user option" per line) and appends "finish_ms booked" per
-- thread to `finished.txt` in the directory given as the script's first argument.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } lm_timespec;
int clock_gettime(int clk_id, lm_timespec *tp);
]]
local function now_ms()
  local ts = ffi.new("lm_timespec")
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC, as Python's time.monotonic()
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = 0
function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end

function init(args)
  dir = args[1]
  token = args[2]
  count = tonumber(args[3])
  mine = {}
  local n = 0
  for line in io.lines(dir .. "/users.txt") do
    if n % count == index then
      local user, option = line:match("(%S+) (%S+)")
      mine[#mine + 1] = { user = user, option = option }
    end
    n = n + 1
  end
  next_user, hold, booked, done = 1, nil, 0, false
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
  if #mine == 0 then finish() end
end

function finish()
  done = true
  local f = io.open(dir .. "/finished.txt", "a")
  f:write(string.format("%.3f %d\n", now_ms(), booked))
  f:close()
  wrk.thread:stop()
end

function request()
  local u = mine[next_user]
  if done or u == nil then return wrk.format("GET", "/health") end
  if hold == nil then
    return wrk.format("POST", "/v2/fulfillment/users/" .. u.user .. "/service_options/" .. u.option .. "/reserve", headers, "")
  end
  local body = '{"order_id":"O-' .. u.user .. '","location_code":"B-1","service_option_hold_id":' .. hold ..
      ',"first_name":"Ada","last_name":"L","user_phone":"+14155550123","items_count":1,"items_weight":1,' ..
      '"address":{"address_line_1":"500 Howard St","postal_code":"94105"}}'
  return wrk.format("POST", "/v2/fulfillment/users/" .. u.user .. "/orders/last_mile", headers, body)
end

function response(status, _, body)
  if done then return end
  if hold == nil then
    -- Keys are sorted: the hold's own id follows its expiry.
    hold = status == 200 and body:match('"service_option_hold":{"expires_at":"[^"]*","id":(%d+)') or nil
    if hold == nil then next_user = next_user + 1 end
  else
    if status == 200 then booked = booked + 1 end
    hold, next_user = nil, next_user + 1
  end
  if next_user > #mine then finish() end
end
