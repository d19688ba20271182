---@meta secret
-- LuaLS stubs for `secret` (bindings/secret/secret.cpp).

---Secret values: text that prints as *** everywhere. A secret is registered with the
---redactor the moment it is made, so its value is also scrubbed from any output it reaches
---by another path (an error message, a log line). `secret(value)` is secret.new(value).
---@class secretlib
---@overload fun(value: string|secret): secret
secret = {}

---A secret value: userdata that prints as ***. `#s` is the length of its value, `==`
---compares two secrets by value, and concatenation raises (reveal it where the plain
---value is meant). Functions that take text (http bodies, files, base64) accept secrets.
---@class secret

---Wraps value as a secret and registers it with the redactor; a secret is returned as it is.
---@param value string|secret the plain text (a number is taken as its text)
---@return secret
function secret.new(value) end

---The plain text of a secret, for where the real value must go (a request body, a file).
---Raises for anything but a secret.
---@param s secret
---@return string value
function secret.reveal(s) end

---Whether v is a secret.
---@param v any
---@return boolean
function secret.is(v) end
