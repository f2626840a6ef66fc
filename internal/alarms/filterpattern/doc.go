// Package filterpattern owns the CloudWatch Logs filter pattern language that
// Keyward's metric filters, FilterLogEvents, TestMetricFilter and
// `keyward audit tail --filter` share: it parses a pattern as CloudWatch Logs
// accepts it, matches log event messages against it, and extracts the values
// that metric transformations publish (metricValue "$.bytes" or "$bytes", and
// dimension values).
//
// It is pure computation. It must not do I/O, read storage, log, emit
// metrics, or keep state between calls; a parsed Pattern is immutable and safe
// for concurrent use. It imports only the standard library and internal/errs.
//
// # Pattern kinds
//
// The first character that is not white space decides the kind:
//
//	""  or  " "                       KindAll: every event matches
//	ERROR ?WARN -DEBUG "two words"    KindTerms: unstructured terms
//	%regex%                           KindRegex: one regular expression
//	{ $.a.b[0] = "x" && $.n > 5 }     KindJSON: conditions on a JSON event
//	[ip, user, ..., status = 4*, b]   KindDelimited: space-delimited fields
//
// # Grammar
//
//	pattern    = all | terms | regex | json | delimited
//	all        = ws* | ws* '"' ws* '"' ws*
//	terms      = ws* term { ws+ term } ws*
//	term       = [ "?" | "-" ] ( quoted | bare-term )
//	regex      = ws* "%" re-source "%" ws*
//	json       = ws* "{" or "}" ws*
//	or         = and { "||" and }
//	and        = primary { "&&" primary }
//	primary    = "(" or ")" | condition
//	condition  = selector ( ( "=" | "!=" ) value
//	                      | ( "<" | "<=" | ">" | ">=" ) number
//	                      | "IS" ( "NULL" | "TRUE" | "FALSE" )
//	                      | "NOT" "EXISTS" )
//	selector   = "$." first { segment }
//	first      = name | "*" | bracket
//	segment    = "." name | "." "*" | "." bracket | bracket
//	bracket    = "[" digits "]" | "[*]" | "['" key "']"
//	name       = 1*( ALPHA | DIGIT | "-" | "_" )
//	value      = quoted | "%" re-source "%" | number | bare-value
//	number     = [ "+" | "-" ] ( digits [ "." digits* ] | "." digits ) [ ( "e" | "E" ) [ "+" | "-" ] digits ]
//	delimited  = ws* "[" slot { "," slot } "]" ws*
//	slot       = ws* | "..." | field | field-or          (each condition in a slot names the same field)
//	field-or   = field-and { "||" field-and }
//	field-and  = field-prim { "&&" field-prim }
//	field-prim = "(" field-or ")" | field ( "=" | "!=" ) value | field ( "<" | "<=" | ">" | ">=" ) number
//	field      = 1*( ALPHA | DIGIT | "_" ), not all digits
//
// Keywords (IS, NULL, TRUE, FALSE, NOT, EXISTS) are matched without regard
// to case. Inside double quotes, \" and \\ stand for " and \; any other
// backslash is kept as it is. A bare term runs to the next white space (a
// bare %…% term is refused: a regular expression must be the whole
// pattern). A bare value runs to the next white space or one of
// ( ) { } [ ] " % = ! < > , & |, and is a number when the number rule
// matches all of it.
//
// # Semantics
//
// Terms are case-sensitive substrings of the message. Every plain term must
// occur and no "-" term may; "?" terms are alternatives, and, as AWS
// documents, they are ignored when the pattern also has plain or "-" terms.
//
// A string value may start or end with "*": a leading star matches any
// prefix, a trailing star any suffix, and "*" alone any value. A star inside
// the value is a literal character, as AWS documents ("Ev*ent will only match
// the actual string Ev*ent").
//
// A JSON selector resolves to zero or more nodes (more only through its one
// wildcard, "*" or "[*]", which selects every member of an object or array).
// A comparison holds when some resolved node is a value node (a string or a
// number) for which it holds; a selector that reaches an object, an array, a
// boolean or null makes = and != false alike, as AWS documents for arrays.
// Strings compare by their text (with wildcards), numbers by value against a
// number literal and by their JSON text against a string or regular
// expression; a string node equals a number literal when its text is the
// literal's text (so $.recipientAccountId = 123456789012 matches CloudTrail's
// string field). <, <=, > and >= hold only for number nodes. IS NULL, IS TRUE
// and IS FALSE test for JSON null, true and false; NOT EXISTS holds when the
// selector resolves to nothing. The event must be one JSON object.
//
// A space-delimited event is split at runs of white space; text between a
// pair of double quotes or square brackets is one field (without the quotes
// or brackets). A pattern without "..." needs at least as many fields as it
// has slots, and its last slot takes the rest of the message, which is why
// AWS says [w1=ERROR, w2] needs the blank w2. "..." stands for any number of
// fields, and with it every other slot takes exactly one field. Field
// conditions compare text with wildcards, or numbers when the value is a
// number literal and the field parses as one.
//
// Regular expressions (%...%) use CloudWatch Logs' subset: letters, digits,
// space, the symbols : _ # = @ / ; , - and the operators ^ $ ? [ ] { } | \ *
// + ., with \d \D \s \S \w \W, \xhh and a backslash before an operator or
// symbol; no parentheses and no multi-byte characters. They match anywhere
// in the text unless anchored. JSON and space-delimited patterns hold at
// most MaxRegexes of them.
//
// # Metric values and dimensions
//
// Extract (or ExtractEvent, ExtractJSON) returns an Extracted for a matching
// event; its MetricValue evaluates a metricTransformation's metricValue ("1",
// or a selector), Number and Text read one field for metric values and
// dimensions, and Fields lists a space-delimited match's fields as AWS
// names them ($name, and $N for unnamed positions). CheckSelector and
// CheckMetricValue validate selectors when a metric filter is stored.
// An Event decodes its JSON and splits its fields once, however many
// patterns it is matched against.
//
// # Errors
//
// Parse returns an *errs.Error with code errs.Validation and the message
// InvalidPatternMessage (CloudWatch Logs answers InvalidParameterException
// "Invalid metric filter pattern"); its cause is a *SyntaxError that says
// where and why, for logs and for callers that want to show more.
package filterpattern
