-- Dripline response filter for lighttpd's mod_magnet, attached with
-- magnet.attract-response-start-to.
--
-- When the authorizer allowed the request, it adds the quota figures the
-- authorizer computed to the upstream's response. When lighttpd itself
-- responds with 503 because the authorizer is not running (its own HTML
-- page), it replaces that page with the JSON error clients expect. Denials from
-- the authorizer carry their own headers and body and pass unchanged.
-- lighttpd's own 501, for a method it does not know (such as "FOO" or a
-- lower-case "post"), becomes a JSON 501 rather than the 503, which
-- clients would retry.

local r = lighty.r
local env = r.req_env
local limit = env["DRIPLINE_RATELIMIT_LIMIT"]

if limit ~= nil and limit ~= "" then
  r.resp_header["X-RateLimit-Limit"] = limit
  r.resp_header["X-RateLimit-Remaining"] = env["DRIPLINE_RATELIMIT_REMAINING"]
  r.resp_header["X-RateLimit-Reset"] = env["DRIPLINE_RATELIMIT_RESET"]
  return 0
end

local status = tonumber(r.req_item["http_status"])
local ctype = r.resp_header["Content-Type"] or ""
if status == 501 and string.find(ctype, "json") == nil then
  r.resp_header["Content-Type"] = "application/json"
  r.resp_header["Cache-Control"] = "no-store"
  r.resp_body:set({ '{"error":{"message":"The web server does not ' ..
    'support this request method. Use a standard method in upper ' ..
    'case, such as POST.",' ..
    '"type":"invalid_request_error","code":"method_not_supported"}}' })
  return 501
end
if status ~= nil and status >= 500 and string.find(ctype, "json") == nil then
  r.resp_header["Content-Type"] = "application/json"
  r.resp_header["Retry-After"] = "5"
  r.resp_header["Cache-Control"] = "no-store"
  r.resp_body:set({ '{"error":{"message":"Usage enforcement is ' ..
    'unavailable, so the request was not forwarded. Retry later.",' ..
    '"type":"server_error","code":"enforcement_unavailable"}}' })
  return 503
end

return 0
