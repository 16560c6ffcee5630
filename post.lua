wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],\"max_tokens\":16}"
