-- wrk script: POST /rpc/search_forms QUERY with the JSON BODY as TOKEN,
-- asking for the exact total (Prefer: count=exact).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Prefer"] = "count=exact"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = os.getenv("BODY")
wrk.path = "/rpc/search_forms" .. os.getenv("QUERY")
