---@meta http
-- LuaLS stubs for `http` (bindings/http/http_lua.cpp over tarn::http::Client).

---HTTPS requests through tarn's one transport: connections kept alive per host, TLS always
---verified, plain http:// only to loopback (and the IMDS address), and one retry policy
---(connection failures, 408, 429, 5xx gateways; Retry-After honoured). See docs/api/http.md.
---@class httplib
http = {}

---@class http.request_options
---@field url string https://... (http:// only to loopback hosts and 169.254.169.254)
---@field method? string GET (default), POST, PUT, PATCH, DELETE, HEAD, ...
---@field headers? table<string, string|secret> request headers; values may be secrets
---@field body? string|secret the request body
---@field json? any a value sent as JSON (json.encode), with Content-Type: application/json
---@field auth? http.Authorizer from auth.authorizer(scope): a bearer token per attempt, one resend after a 401
---@field timeout? number seconds one attempt may take (default 100)
---@field raise? boolean raise an http error for a non-2xx status (default false: return it)
---@field max_attempts? integer attempts in all, 1 to 100 (default 6 or TARN_HTTP_MAX_ATTEMPTS)
---@field time_budget? number seconds after which no retry starts (default 120 or TARN_HTTP_TIME_BUDGET)

---@class http.Response
---@field status integer the HTTP status
---@field ok boolean status is 2xx
---@field headers table<string, string> response headers; any spelling of a name finds it
---@field body string the response body (decompressed)
---@field request_id? string x-ms-request-id, RequestId or request-id, when sent
---@field url string the URL requested, credential parameters (sig=, ...) masked
---@field duration number seconds, retries and waits included
---@field attempts integer attempts made
local Response = {}

---The body decoded as JSON (json.decode); raises when it is not JSON.
---@return any
function Response:json() end

---Sends one request, retried per the policy, and returns the response, whatever its status
---unless raise = true. Transport failures (DNS, connect, TLS, timeout, refused URL) raise an
---error value of kind "http" with code, message and url.
---@param options http.request_options
---@return http.Response
function http.request(options) end

---@class http.all_options
---@field [integer] http.request_options the requests, run in parallel
---@field errors? "raise"|"collect" raise the first failure (default), or put error values in its slot
---@field max_in_flight? integer requests in flight at once, 1 to 64 (default 8)

---Runs a list of requests in parallel (at most max_in_flight at once, each with the same
---retry policy) and returns the responses in the same order. With errors = "collect" a
---failed slot holds its error value instead of raising.
---@param requests http.all_options
---@return (http.Response|table)[]
function http.all(requests) end

return http
