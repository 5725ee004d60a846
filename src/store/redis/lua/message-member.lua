-- message-member.lua (prepended to the scripts that store messages; no KEYS or ARGV of its own).
-- Message members are built in Lua because the seq is only known here. JavaScript serialises the
-- rest ('{"direction":...}') and the script splices the seq in front: '{"seq":N,' .. body:sub(2).
-- Lua's cjson is never used to encode (it would turn [] into {} and round long numbers).
local function member(seq, body) return '{"seq":' .. seq .. ',' .. string.sub(body, 2) end
