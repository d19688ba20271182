---@meta log
-- LuaLS stubs for `log` (bindings/log/log.cpp).

---Levelled messages on stderr: plain lines ("warning: ...", "error: ..."), or JSON lines
---{time, level, message} with --json. Secrets print as ***. The level is info, or debug
---with -v/--debug, until log.set_level changes it.
---@class loglib
log = {}

---@alias log.level "error"|"warn"|"info"|"debug"

---Logs an error. With more arguments, msg is a string.format pattern for them (a secret
---argument formats as ***); alone, any value is shown as tostring does.
---@param msg any the message, or a format pattern
---@param ... any values for the pattern
function log.error(msg, ...) end

---Logs a warning (shown at level warn and above).
---@param msg any the message, or a format pattern
---@param ... any values for the pattern
function log.warn(msg, ...) end

---Logs an informational message (the default level).
---@param msg any the message, or a format pattern
---@param ... any values for the pattern
function log.info(msg, ...) end

---Logs a debug message (shown with -v, --debug or log.set_level("debug")).
---@param msg any the message, or a format pattern
---@param ... any values for the pattern
function log.debug(msg, ...) end

---The current level.
---@return log.level
function log.level() end

---Sets the level; raises for a name other than error, warn, info or debug.
---@param level log.level
function log.set_level(level) end

---Whether messages of this level are shown now (to skip building costly messages).
---@param level log.level
---@return boolean
function log.enabled(level) end

---Shows a status line for a long wait: on a terminal one line on stderr, rewritten in
---place by the next call and cleared before other output; elsewhere a timestamped line;
---with --json an info message.
---@param msg any the message, or a format pattern
---@param ... any values for the pattern
function log.status(msg, ...) end

---Clears the status line and, given a message, logs it at info level.
---@param msg? any the message, or a format pattern
---@param ... any values for the pattern
function log.status_done(msg, ...) end
