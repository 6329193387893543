package privacy.host

deny contains {"code": "x", "clause": "1"} if input.purpose == "location"
