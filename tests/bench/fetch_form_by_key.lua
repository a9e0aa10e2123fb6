-- wrk script: POST /rpc/fetch_form_by_key with a random one of the issued
-- keys (KEYS_FILE) as the municipality staff account (TOKEN).
local keys = {}
for line in io.lines(os.getenv("KEYS_FILE")) do keys[#keys + 1] = line end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local key = keys[math.random(#keys)]
  return wrk.format(nil, "/rpc/fetch_form_by_key", nil, '{"access_key":"' .. key .. '"}')
end
