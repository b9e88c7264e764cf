-- Dripline admin API response filter for lighttpd's mod_magnet, attached
-- with magnet.attract-response-start-to on the admin listener only.
--
-- dripline-admin responds in JSON. lighttpd rejects some requests itself,
-- before the app runs, with an HTML page. It sends 400 for a request it
-- cannot parse and 411 for a POST without Content-Length. It sends 413
-- for a body over server.max-request-size and 501 for an unknown method.
-- This filter replaces such a page with an error in the admin API's JSON
-- shape and keeps the status. The app's own responses pass unchanged.

local r = lighty.r
local status = tonumber(r.req_item["http_status"])
local ctype = r.resp_header["Content-Type"] or ""

if status == nil or status < 400 or string.find(ctype, "json") ~= nil then
  return 0
end

local errors = {
  [400] = { "invalid_request", "The web server could not parse the request." },
  [411] = { "length_required", "A POST needs a body or Content-Length: 0; " ..
    "send {} with the revoke calls." },
  [413] = { "body_too_large", "The request body is too large." },
  [501] = { "method_not_supported", "The web server does not support " ..
    "this request method. Use a standard method in upper case, such as POST." },
}
local err = errors[status] or { "server_error",
  "The web server could not pass the request to the admin API." }
local kind = status < 500 and "invalid_request_error" or "server_error"

r.resp_header["Content-Type"] = "application/json"
r.resp_header["Cache-Control"] = "no-store"
r.resp_body:set({ '{"error":{"message":"' .. err[2] .. '","type":"' ..
  kind .. '","code":"' .. err[1] .. '"}}' })
return status
