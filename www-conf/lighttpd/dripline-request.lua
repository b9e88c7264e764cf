-- Dripline request filter for lighttpd's mod_magnet, attached with
-- magnet.attract-raw-url-to. lighttpd runs it twice for a request that
-- passes the FastCGI authorizer: before the authorizer runs, and again
-- after the authorizer allowed it, before mod_proxy forwards it.
--
-- Both times it removes every client-sent X-Dripline-* header, whatever
-- its case, so the upstream can trust the ones set here. On the second
-- run the authorizer's result is in the request environment
-- (DRIPLINE_USER and friends, from its Variable-* lines): it sets the
-- identity headers from there and removes the client's Dripline key.

local r = lighty.r
local headers = r.req_header

local drop = {}
for name, _ in pairs(headers) do
  if string.lower(string.sub(name, 1, 11)) == "x-dripline-" then
    drop[#drop + 1] = name
  end
end
for _, name in ipairs(drop) do
  headers[name] = nil
end

local user = r.req_env["DRIPLINE_USER"]
if user ~= nil and user ~= "" then
  headers["X-Dripline-User"] = user
  headers["X-Dripline-External-Id"] = r.req_env["DRIPLINE_EXTERNAL_ID"]
  headers["X-Dripline-Request-Id"] = r.req_env["DRIPLINE_REQUEST_ID"]
  headers["Authorization"] = nil
  headers["X-Api-Key"] = nil
end

return 0
