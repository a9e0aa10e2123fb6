-- wrk script: POST /rpc/confirm_form for each draft of DRAFTS_FILE once, as
-- the doctor (TOKEN). Threads take every n-th draft; a thread that runs out
-- sends nothing useful (the run is sized so that none does).
local drafts = {}
for line in io.lines(os.getenv("DRAFTS_FILE")) do drafts[#drafts + 1] = line end
local counter = 1

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

local step = tonumber(os.getenv("THREADS") or "2")
local next_index

function init(args)
  next_index = tid
end

function request()
  local id = drafts[next_index] or drafts[#drafts]
  next_index = next_index + step
  return wrk.format(nil, "/rpc/confirm_form", nil, '{"form_id":' .. id .. '}')
end
