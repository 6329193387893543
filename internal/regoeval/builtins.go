package regoeval

// pureBuiltins are the OPA builtins a policy may call by default: each is a
// function of its arguments alone, reading no clock, network, randomness,
// environment or file. The sandbox is built from this allow-list, not by
// removing what OPA flags as non-deterministic, so a builtin a new OPA
// version adds is refused until someone classifies it here (TestBuiltinsClassified).
var pureBuiltins = names(
	// operators, comparison, arithmetic, sets
	"eq", "assign", "equal", "neq", "gt", "gte", "lt", "lte", "plus", "minus", "mul", "div", "rem",
	"abs", "ceil", "floor", "round", "and", "or", "intersection", "union", "set_diff", "internal.member_2", "internal.member_3",
	"numbers.range", "numbers.range_step", "bits.and", "bits.lsh", "bits.negate", "bits.or", "bits.rsh", "bits.xor",
	// aggregates
	"all", "any", "count", "max", "min", "product", "sort", "sum",
	// arrays, objects, types
	"array.concat", "array.flatten", "array.reverse", "array.slice",
	"object.filter", "object.get", "object.keys", "object.remove", "object.subset", "object.union", "object.union_n",
	"cast_array", "cast_boolean", "cast_null", "cast_object", "cast_set", "cast_string", "to_number", "type_name",
	"is_array", "is_boolean", "is_null", "is_number", "is_object", "is_set", "is_string", "walk",
	"graph.reachable", "graph.reachable_paths",
	// strings and regular expressions
	"concat", "contains", "endswith", "format_int", "indexof", "indexof_n", "lower", "upper", "replace", "split",
	"sprintf", "startswith", "substring", "trim", "trim_left", "trim_prefix", "trim_right", "trim_space", "trim_suffix",
	"strings.any_prefix_match", "strings.any_suffix_match", "strings.count", "strings.render_template",
	"strings.replace_n", "strings.reverse", "strings.split_n", "internal.template_string",
	"re_match", "regex.find_all_string_submatch_n", "regex.find_n", "regex.globs_match", "regex.is_valid",
	"regex.match", "regex.replace", "regex.split", "regex.template_match", "glob.match", "glob.quote_meta",
	"semver.compare", "semver.is_valid", "units.parse", "units.parse_bytes",
	// encodings
	"base64.decode", "base64.encode", "base64.is_valid", "base64url.decode", "base64url.encode", "base64url.encode_no_pad",
	"hex.decode", "hex.encode", "json.filter", "json.is_valid", "json.marshal", "json.marshal_with_options",
	"json.patch", "json.remove", "json.unmarshal", "yaml.is_valid", "yaml.marshal", "yaml.unmarshal",
	"urlquery.decode", "urlquery.decode_object", "urlquery.encode", "urlquery.encode_object", "uri.is_valid", "uri.parse",
	"uuid.parse", "graphql.is_valid", "graphql.parse", "graphql.parse_and_verify", "graphql.parse_query",
	"graphql.parse_schema", "graphql.schema_is_valid",
	// network addresses as values (no lookup)
	"net.cidr_contains", "net.cidr_contains_matches", "net.cidr_expand", "net.cidr_intersects", "net.cidr_is_valid",
	"net.cidr_merge", "net.cidr_overlap",
	// hashes, signatures and certificates checked without the clock
	"crypto.hmac.equal", "crypto.hmac.md5", "crypto.hmac.sha1", "crypto.hmac.sha256", "crypto.hmac.sha512",
	"crypto.md5", "crypto.sha1", "crypto.sha256", "crypto.parse_private_keys", "crypto.x509.parse_certificate_request",
	"crypto.x509.parse_certificates", "crypto.x509.parse_keypair", "crypto.x509.parse_rsa_private_key",
	"io.jwt.decode", "io.jwt.verify_eddsa", "io.jwt.verify_es256", "io.jwt.verify_es384", "io.jwt.verify_es512",
	"io.jwt.verify_hs256", "io.jwt.verify_hs384", "io.jwt.verify_hs512", "io.jwt.verify_ps256", "io.jwt.verify_ps384",
	"io.jwt.verify_ps512", "io.jwt.verify_rs256", "io.jwt.verify_rs384", "io.jwt.verify_rs512",
	// time as arithmetic on a given instant (time.now_ns is refused)
	"time.add_date", "time.clock", "time.date", "time.diff", "time.format", "time.parse_duration_ns",
	"time.parse_ns", "time.parse_rfc3339_ns", "time.weekday",
	// the policy's own metadata and tooling; print is compiled away
	"rego.metadata.chain", "rego.metadata.rule", "rego.parse_module", "print", "internal.print", "trace",
	"internal.test_case",
)

// refusedBuiltins are the OPA builtins the sandbox refuses, each for a
// reason: they read the clock, the network, randomness or the runtime.
// [Options.AllowNondeterministic] lets a host have them all.
var refusedBuiltins = names(
	"time.now_ns",                             // clock
	"rand.intn",                               // randomness
	"uuid.rfc4122",                            // randomness
	"http.send",                               // network
	"net.lookup_ip_addr",                      // network (DNS)
	"opa.runtime",                             // environment, configuration
	"json.match_schema", "json.verify_schema", // may fetch remote $ref schemas
	"io.jwt.decode_verify",                         // checks exp/nbf against the clock
	"io.jwt.encode_sign", "io.jwt.encode_sign_raw", // random nonces in some algorithms
	"crypto.x509.parse_and_verify_certificates",              // chain validity read against the clock
	"crypto.x509.parse_and_verify_certificates_with_options", // same
	"providers.aws.sign_req",                                 // request signing: credentials, not a decision
)

func names(ns ...string) map[string]bool {
	m := make(map[string]bool, len(ns))
	for _, n := range ns {
		m[n] = true
	}
	return m
}

// Classified reports whether the named builtin is on the allow-list
// (pure) or the refusal list (refused); a builtin on neither is unknown to
// this version of the library and refused.
func Classified(name string) (pure, refused bool) { return pureBuiltins[name], refusedBuiltins[name] }
