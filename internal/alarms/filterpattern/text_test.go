package filterpattern

import "testing"

// Events of AWS's "Using filter patterns to match terms in unstructured log
// events".
const (
	ev400 = "[ERROR 400] BAD REQUEST"
	ev401 = "[ERROR 401] UNAUTHORIZED REQUEST"
	ev419 = "[ERROR 419] MISSING ARGUMENTS"
	ev420 = "[ERROR 420] INVALID ARGUMENTS"
	ev500 = "[ERROR 500] INTERNAL SERVER ERROR"
)

func TestTermsDocExamples(t *testing.T) {
	runMatches(t, []matchCase{
		// Match a single term.
		{"ok/single-400", `ERROR`, ev400, true},
		{"ok/single-401", `ERROR`, ev401, true},
		{"ok/single-419", `ERROR`, ev419, true},
		{"ok/single-420", `ERROR`, ev420, true},
		{"no/single", `ERROR`, "[INFO] REQUEST FAILED", false},
		// Match multiple terms.
		{"ok/multiple-419", `ERROR ARGUMENTS`, ev419, true},
		{"ok/multiple-420", `ERROR ARGUMENTS`, ev420, true},
		{"no/multiple-400", `ERROR ARGUMENTS`, ev400, false},
		{"no/multiple-401", `ERROR ARGUMENTS`, ev401, false},
		// Match optional terms.
		{"ok/optional-400", `?ERROR ?ARGUMENTS`, ev400, true},
		{"ok/optional-420", `?ERROR ?ARGUMENTS`, ev420, true},
		{"ok/optional-only-second", `?ERROR ?ARGUMENTS`, "MISSING ARGUMENTS", true},
		{"no/optional", `?ERROR ?ARGUMENTS`, "[INFO] REQUEST FAILED", false},
		// "If you combine ? with other filter patterns, all question mark
		// terms will be ignored."
		{"ok/optional-ignored-info", `?ERROR ?ARGUMENTS REQUEST`, "[INFO] REQUEST FAILED", true},
		{"ok/optional-ignored-warn", `?ERROR ?ARGUMENTS REQUEST`, "[WARN] UNAUTHORIZED REQUEST", true},
		{"ok/optional-ignored-error", `?ERROR ?ARGUMENTS REQUEST`, "[ERROR] 400 BAD REQUEST", true},
		{"no/optional-ignored", `?ERROR ?ARGUMENTS REQUEST`, ev419, false},
		{"ok/optional-ignored-by-exclusion", `?ERROR -ARGUMENTS`, "[INFO] all good", true},
		// Match exact phrases.
		{"ok/phrase", `"INTERNAL SERVER ERROR"`, ev500, true},
		{"no/phrase-order", `"SERVER INTERNAL"`, ev500, false},
		// Include and exclude terms.
		{"ok/exclude-400", `ERROR -ARGUMENTS`, ev400, true},
		{"ok/exclude-401", `ERROR -ARGUMENTS`, ev401, true},
		{"no/exclude-419", `ERROR -ARGUMENTS`, ev419, false},
		{"no/exclude-420", `ERROR -ARGUMENTS`, ev420, false},
		{"ok/only-exclusion", `-ERROR`, "[INFO] fine", true},
		{"no/only-exclusion", `-ERROR`, ev400, false},
		{"ok/exclude-phrase", `ERROR -"BAD REQUEST"`, ev401, true},
		{"ok/optional-phrase", `?"BAD REQUEST" ?"SERVER ERROR"`, ev500, true},
		// Match everything.
		{"ok/everything-space", `" "`, ev400, true},
		{"ok/everything-empty-quotes", `""`, "", true},
		{"ok/everything-empty", ``, "anything", true},
		{"ok/everything-blank", "  \t", "anything", true},

		// The earlier edition's examples.
		{"ok/old-fatal", `ERROR`, "[ERROR] A fatal exception has occurred", true},
		{"ok/old-substring", `ERROR`, "Exiting with ERRORCODE: -1", true},
		{"no/old-exclude", `ERROR -Exiting`, "Exiting with ERRORCODE: -1", false},
		{"ok/old-exclude", `ERROR -Exiting`, "[ERROR] A fatal exception has occurred", true},
		{"ok/old-two-terms-1", `ERROR Exception`, "[ERROR] Caught IllegalArgumentException", true},
		{"ok/old-two-terms-2", `ERROR Exception`, "[ERROR] Unhandled Exception", true},
		{"ok/old-all-terms-1", `Failed to process the request`, "[WARN] Failed to process the request", true},
		{"ok/old-all-terms-2", `Failed to process the request`, "[ERROR] Unable to continue: Failed to process the request", true},
		{"ok/old-or-1", `?ERROR ?WARN`, "ERROR WARN message", true},
		{"ok/old-or-2", `?ERROR ?WARN`, "ERROR message", true},
		{"ok/old-or-3", `?ERROR ?WARN`, "WARN message", true},
		{"ok/old-and-1", `ERROR WARN`, "ERROR WARN message", true},
		{"no/old-and-2", `ERROR WARN`, "ERROR message", false},
		{"no/old-and-3", `ERROR WARN`, "WARN message", false},
		{"no/old-not-1", `ERROR -WARN`, "ERROR WARN message", false},
		{"ok/old-not-2", `ERROR -WARN`, "ERROR message", true},
		{"no/old-not-3", `ERROR -WARN`, "WARN message", false},
		// Lightsail's GetContainerLog examples of the same syntax.
		{"ok/lightsail-exclude", `-ERROR`, "all fine", true},
		{"ok/lightsail-or", `?ERROR ?Exception`, "Unhandled Exception", true},

		// Case-sensitive; terms with other characters quoted.
		{"no/case", `error`, ev400, false},
		{"ok/quoted-symbols", `"[ERROR 400]"`, ev400, true},
		{"ok/quoted-minus", `"-1"`, "Exiting with ERRORCODE: -1", true},
		{"ok/bare-symbols", `ERRORCODE:`, "Exiting with ERRORCODE: -1", true},
		{"ok/escaped-quote-term", `"say \"hi\""`, `he said say "hi" twice`, true},
		{"ok/unicode-term", `Zürich`, "weather in Zürich", true},
		{"ok/quoted-percent-term", `ERROR "%x%"`, "ERROR 50%x%", true},
		{"ok/percent-term", `ERROR 50%`, "ERROR 50% done", true},
	})
}

func TestRegexDocExamples(t *testing.T) {
	runMatches(t, []matchCase{
		{"ok/authorized-1", `%AUTHORIZED%`, ev401, true},
		{"ok/authorized-2", `%AUTHORIZED%`, "[SUCCESS 200] AUTHORIZED REQUEST", true},
		{"no/authorized", `%AUTHORIZED%`, ev400, false},
		{"ok/ip-any", `%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%`, "from 10.1.22.123 port 22", true},
		{"no/ip-any", `%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%`, "from 10.1.22 port 22", false},
		{"ok/error-or-fail", `%[Ee]rror|[Ff]ail%`, "request failed", true},
		{"ok/error-or-fail-2", `%[Ee]rror|[Ff]ail%`, "Error: x", true},
		{"no/error-or-fail", `%[Ee]rror|[Ff]ail%`, "ERROR", false},
		// Usage of supported operators.
		{"ok/caret", `%^[hc]at%`, "hat trick", true},
		{"no/caret", `%^[hc]at%`, "that", false},
		{"ok/dollar", `%[hc]at$%`, "the cat", true},
		{"no/dollar", `%[hc]at$%`, "cats", false},
		{"ok/question-1", `%colou?r%`, "color", true},
		{"ok/question-2", `%colou?r%`, "colour", true},
		{"ok/class", `%[abc]%`, "b", true},
		{"no/class", `%[abc]%`, "xyz", false},
		{"ok/range", `%[a-z]%`, "Q q", true},
		{"no/range", `%[a-z]%`, "QRS", false},
		{"ok/class-range", `%[abcx-z]%`, "Y y", true},
		{"ok/repeat", `%a{3,5}%`, "baaab", true},
		{"no/repeat", `%a{3,5}%`, "baab", false},
		{"ok/repeat-spaces", `%a{3, 5}%`, "aaaa", true},
		{"ok/repeat-no-min", `%^ba{,2}c$%`, "bc", true},
		{"no/repeat-no-min", `%^ba{,2}c$%`, "baaac", false},
		{"ok/repeat-no-max", `%a{2,}%`, "aa", true},
		{"ok/repeat-exact", `%^a{2}$%`, "aa", true},
		{"ok/or-gray", `%gra|ey%`, "gray", true},
		{"ok/or-grey", `%gra|ey%`, "grey", true},
		{"ok/or-anchored-1", `%^starting|^initializing|^shutting down%`, "starting server", true},
		{"ok/or-anchored-2", `%^starting|^initializing|^shutting down%`, "shutting down now", true},
		{"no/or-anchored", `%^starting|^initializing|^shutting down%`, "skipping initializing step", false},
		{"ok/or-negated-class-1", `%abcc|ab[^c]$%`, "abcc x", true},
		{"ok/or-negated-class-2", `%abcc|ab[^c]$%`, "aba", true},
		{"no/or-negated-class", `%abcc|ab[^c]$%`, "aac x", false},
		{"ok/escape-brackets-a", `%\[.\]%`, "[a]", true},
		{"ok/escape-brackets-bracket", `%\[.\]%`, "[]]", true},
		{"ok/escape-brackets-space", `%\[.\]%`, "[ ]", true},
		{"no/escape-brackets", `%\[.\]%`, "[ab]", false},
		{"ok/escaped-ip", `%10\.10\.0\.1%`, "from 10.10.0.1", true},
		{"no/escaped-ip", `%10\.10\.0\.1%`, "10010,051", false},
		{"ok/unescaped-ip", `%10.10.0.1%`, "10010,051", true},
		{"ok/star-1", `%ab*c%`, "ac", true},
		{"ok/star-2", `%ab*c%`, "abbbc", true},
		{"ok/star-class", `%ab[0-9]*%`, "ab129", true},
		{"ok/plus", `%ab+c%`, "abbc", true},
		{"no/plus", `%ab+c%`, "ac", false},
		{"ok/dot-hat", `%.at%`, "hat", true},
		{"ok/dot-space", `%.at%`, " at", true},
		{"no/dot", `%.at%`, "at", false},
		{"ok/digit", `%\d%`, "a1", true},
		{"no/digit", `%\d%`, "abc", false},
		{"ok/non-digit", `%\D%`, "1a", true},
		{"no/non-digit", `%\D%`, "123", false},
		{"ok/space", `%\s%`, "a\tb", true},
		{"no/space", `%\s%`, "ab", false},
		{"ok/non-space", `%\S%`, " x ", true},
		{"ok/word", `%\w%`, "-_-", true},
		{"no/word", `%\w%`, "-+-", false},
		{"ok/non-word", `%\W%`, "a-b", true},
		{"ok/hex-colon", `%\x3A%`, "a:b", true},
		{"ok/hex-paren", `%\x28%`, "f(x)", true},
		{"no/hex-paren", `%\x28%`, "fx", false},
		{"ok/escaped-symbols", `%\_\-\:\ %`, "_-: ", true},
		{"ok/surrounding-space", `  %ERROR%  `, ev400, true},
		{"ok/multibyte-event", `%rich$%`, "Zürich", true},
	})
}

// Space-delimited events: the Apache access log of the earlier edition, the
// current page's event, and its application log.
const (
	apache200 = `127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534`
	apache500 = `127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324`
	apache403 = `127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /index.html HTTP/1.0" 403 2048`
	prod404   = `127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534`
	other404  = `10.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534`
	infoGet   = `INFO 09/25/2014 12:00:00 GET /service/resource/67 1200`
	infoPost  = `INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310`
	warning   = `WARNING 09/25/2014 12:00:02 Invalid user request`
	errorLine = `ERROR 09/25/2014 12:00:02 Failed to process request`
	lambdaOut = `2017-06-30T18:01:52.123Z 6234bb30-5d29-11e7-9c28-1b5f0a2b9bba Task timed out after 3.00 seconds`
)

func TestDelimitedDocExamples(t *testing.T) {
	const all7 = `[ip, user, username, timestamp, request, status_code, bytes]`
	runMatches(t, []matchCase{
		{"ok/seven-fields", all7, apache200, true},
		{"ok/ellipsis-first", `[..., status_code, bytes]`, apache200, true},
		{"ok/ellipsis-middle", `[ip, user, ..., status_code, bytes]`, apache200, true},
		{"ok/ellipsis-last", `[ip, user, ...]`, apache200, true},
		{"ok/bytes-gt", `[ip, user, username, timestamp, request, status_code, bytes > 1000]`, apache200, true},
		{"no/bytes-gt", `[ip, user, username, timestamp, request, status_code, bytes > 5000]`, apache200, false},
		{"ok/bytes-gt-5000", `[ip, user, username, timestamp, request, status_code, bytes > 5000]`, apache500, true},
		{"ok/status-eq", `[ip, user, username, timestamp, request, status_code = 200, bytes]`, apache200, true},
		{"no/status-eq", `[ip, user, username, timestamp, request, status_code = 200, bytes]`, apache500, false},
		{"ok/status-4xx", `[ip, user, username, timestamp, request, status_code = 4*, bytes]`, prod404, true},
		{"no/status-4xx", `[ip, user, username, timestamp, request, status_code = 4*, bytes]`, apache200, false},
		{"ok/request-html", `[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]`, prod404, true},
		{"no/request-html", `[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]`, apache500, false},
		{"ok/and-same-field", `[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]`, prod404, true},
		{"no/and-same-field", `[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]`, apache403, false},
		{"ok/or-same-field", `[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]`, apache403, true},
		{"no/or-same-field", `[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]`, apache200, false},

		// The current page's examples.
		{"ok/regex-ip", `[ip=%127\.0\.0\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 4*, bytes]`, prod404, true},
		{"no/regex-ip", `[ip=%127\.0\.0\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 4*, bytes]`, other404, false},
		{"ok/ellipsis-html", `[..., request =*.html*, status_code = 4*, bytes]`, prod404, true},
		{"ok/404-or-410", `[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]`, prod404, true},
		{"ok/first-word", `[w1=ERROR, w2]`, errorLine, true},
		{"no/first-word-info", `[w1=ERROR, w2]`, infoGet, false},
		{"no/first-word-warning", `[w1=ERROR, w2]`, warning, false},
		// "include a blank w2 indicator after the w1 term": without it the
		// one field is the whole line.
		{"no/first-word-without-blank", `[w1=ERROR]`, errorLine, false},
		{"ok/first-word-or-1", `[w1=ERROR || w1=WARNING, w2]`, errorLine, true},
		{"ok/first-word-or-2", `[w1=ERROR || w1=WARNING, w2]`, warning, true},
		{"no/first-word-or", `[w1=ERROR || w1=WARNING, w2]`, infoGet, false},
		{"ok/first-word-not-1", `[w1!=ERROR && w1!=WARNING, w2]`, infoGet, true},
		{"ok/first-word-not-2", `[w1!=ERROR && w1!=WARNING, w2]`, infoPost, true},
		{"no/first-word-not-1", `[w1!=ERROR && w1!=WARNING, w2]`, errorLine, false},
		{"no/first-word-not-2", `[w1!=ERROR && w1!=WARNING, w2]`, warning, false},
		{"ok/top-level-uri", `[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]`, infoGet, true},
		{"no/top-level-uri", `[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]`, infoPost, false},
		{"ok/child-uri", `[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]`, infoPost, true},
		{"no/child-uri", `[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]`, infoGet, false},
		{"no/uri-on-short-line", `[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]`, warning, false},

		// The earlier edition's three-line example, under the current rule
		// that the last field takes the rest of the line.
		{"ok/old-first-word-1", `[w1=ERROR, w2]`, "ERROR WARN message", true},
		{"ok/old-first-word-2", `[w1=ERROR, w2]`, "ERROR message", true},
		{"no/old-first-word-3", `[w1=ERROR, w2]`, "WARN message", false},
		{"ok/old-first-word-or", `[w1=ERROR || w1=WARN, w2]`, "WARN message", true},
		{"no/old-too-few-fields", `[w1, w2, w3, w4]`, "ERROR message", false},

		// Lambda's documented subscription filter pattern; the last field
		// takes the message.
		{"ok/lambda", `[timestamp=*Z, request_id="*-*", event]`, lambdaOut, true},
		{"no/lambda", `[timestamp=*Z, request_id="*-*", event]`, "START RequestId: 6234bb30 Version: $LATEST", false},
		// The CDK's rendering of spaceDelimited(...).whereString/whereNumber.
		{"ok/cdk", `[time, component=HttpServer, ..., result_code!=200, latency]`, "12:00 HttpServer GET /x 500 12", true},
		{"no/cdk", `[time, component=HttpServer, ..., result_code!=200, latency]`, "12:00 HttpServer GET /x 200 12", false},

		// Field splitting and comparisons.
		{"ok/quoted-field", `[a, b = "GET /index.html HTTP/1.0", c]`, `x "GET /index.html HTTP/1.0" y`, true},
		{"ok/bracket-field", `[a, b = "10/Oct/2000:13:25:15 -0700", c]`, `x [10/Oct/2000:13:25:15 -0700] y`, true},
		{"ok/runs-of-spaces", `[a, b = 2, c]`, "  1 \t 2   3  ", true},
		{"ok/numeric-eq-by-value", `[a, b = 2.0]`, "x 2", true},
		{"ok/numeric-ne-text", `[a, b != 2]`, "x two", true},
		{"no/gt-on-text", `[a, b > 1]`, "x two", false},
		{"ok/negative-number", `[a, b < 0]`, "x -3.5e1", true},
		{"ok/anonymous-slots", `[, b = 2, ]`, "1 2 3", true},
		{"ok/two-ellipses", `[..., b = 2, ...]`, "1 2 3", true},
		{"ok/two-ellipses-end", `[..., b = 3, ...]`, "1 2 3", true},
		{"no/two-ellipses", `[..., b = 4, ...]`, "1 2 3", false},
		{"ok/backtracking", `[..., a = x, b = y, ...]`, "x z x y", true},
		{"ok/ellipsis-alone-empty", `[...]`, "", true},
		{"no/empty-event", `[a]`, "", false},
		{"ok/parenthesized", `[a, (b = 1 || b = 2) && b != 3]`, "x 2", true},
		{"ok/unterminated-quote", `[a, b = "open *"]`, `x "open quote`, true},
		{"ok/regex-field", `[a = %^[A-Z]+$%, ...]`, "ERROR x", true},
	})
}
