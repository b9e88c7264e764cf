-- Dripline request filter for lighttpd's mod_magnet, attached with
-- magnet.attract-raw-url-to. lighttpd 1.4.69 runs it twice for a request
-- that passes the FastCGI authorizer: before the authorizer runs, and
-- again after the authorizer allowed it, before mod_proxy forwards it.
--
-- Both times it removes every client-sent X-Dripline-* header, whatever
-- its case, so the upstream can trust the ones set here. On the second
-- run the authorizer's result is in the request environment
-- (DRIPLINE_USER and friends, from its Variable-* lines): it sets the
-- identity headers from there and removes the client's Dripline key.
--
-- lighttpd forwards a request when its authorizer responds with empty or
-- malformed output. dripline-authorizer never does, but this filter does
-- not rely on it: a second run without DRIPLINE_USER means the
-- authorizer's answer was not a real "allowed", and the request ends
-- here with 503.

local r = lighty.r
local headers = r.req_header
local env = r.req_env

local drop = {}
for name, _ in pairs(headers) do
  if string.lower(string.sub(name, 1, 11)) == "x-dripline-" then
    drop[#drop + 1] = name
  end
end
for _, name in ipairs(drop) do
  headers[name] = nil
end

local user = env["DRIPLINE_USER"]
if user ~= nil and user ~= "" then
  headers["X-Dripline-User"] = user
  headers["X-Dripline-External-Id"] = env["DRIPLINE_EXTERNAL_ID"]
  headers["X-Dripline-Request-Id"] = env["DRIPLINE_REQUEST_ID"]
  headers["Authorization"] = nil
  headers["X-Api-Key"] = nil
  return 0
end

if env["DRIPLINE_FILTER_SEEN"] == "1" then
  r.resp_header["Content-Type"] = "application/json"
  r.resp_header["Retry-After"] = "5"
  r.resp_header["Cache-Control"] = "no-store"
  r.resp_body:set({ '{"error":{"message":"Usage enforcement is ' ..
    'unavailable, so the request was not forwarded. Retry later.",' ..
    '"type":"server_error","code":"enforcement_unavailable"}}' })
  print("dripline: the authorizer allowed a request without an " ..
    "identity (malformed authorizer output?), denied 503")
  return 503
end
env["DRIPLINE_FILTER_SEEN"] = "1"

return 0
