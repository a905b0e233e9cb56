progenitor::generate_api!(spec = "openapi/reference-3.0.json", interface = Positional);
