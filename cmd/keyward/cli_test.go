package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/keyward/keyward/internal/notify"
)

// Timeouts: every command a script runs has one.
const (
	cliTimeout   = 2 * time.Minute  // one AWS CLI command
	cmdTimeout   = time.Minute      // one keyward command other than serve
	startTimeout = time.Minute      // keyward serve until it listens
	stopTimeout  = 30 * time.Second // keyward serve after SIGTERM
)

func TestMain(m *testing.M) {
	// Hermetic (STYLE.md 18): no AWS_* variable of the developer's reaches
	// a CLI or a server, whatever a script forgets to set. Only in the test
	// process itself: run as a script's 'exec keyward ...', the binary keeps
	// the script's AWS_* variables, which doctor and explain sign with.
	if filepath.Base(os.Args[0]) != "keyward" {
		for _, kv := range os.Environ() {
			if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
				os.Unsetenv(k)
			}
		}
	}
	// The test binary doubles as the keyward binary: scripts run it as a
	// separate process, never in-process.
	testscript.Main(m, map[string]func(){"keyward": keywardMain})
}

// keywardMain runs keyward for a script. Every command but serve, which the
// scripts shut down themselves, gives up after cmdTimeout.
func keywardMain() {
	if len(os.Args) < 2 || os.Args[1] != "serve" {
		time.AfterFunc(cmdTimeout, func() {
			fmt.Fprintf(os.Stderr, "keyward: test timeout: %q did not finish within %v\n", os.Args, cmdTimeout)
			os.Exit(124)
		})
	}
	main()
}

// TestAWSCLI runs the scripts in testdata/awscli against a real
// 'keyward serve' process, once with each AWS CLI found: KEYWARD_AWS_CLIS
// (colon-separated paths), or else every aws on PATH and in the usual
// install locations, one of each version. Without any, it skips, or fails
// when CI=true.
//
// Besides testscript's own commands, the scripts have:
//
//	serve FLAGS...       start 'keyward serve --listen 127.0.0.1:0 FLAGS...', set AWS_ENDPOINT_URL
//	shutdown             SIGTERM the server; it must exit cleanly (its output becomes stderr)
//	aws ARGS...          the CLI under test, hermetic, with a timeout
//	capture NAME...      set variables from the fields of the last stdout
//	b64decode SRC DST    base64 --decode a file or stdout into DST
//	exports SRC          set the variables of 'export NAME=VALUE' lines
//	timestamp VALUE OFF  VALUE (as either CLI prints times) is now+OFF, within 5 minutes
//
// and 'exec keyward ARGS...' runs keyward (this test binary) with the
// script's environment, AWS_* included; doctor and explain sign with it.
//
// and the conditions [v1] and [v2], the CLI's major version. 'stop' is
// testscript's (it ends a script early, passing), hence 'shutdown'.
//
// For alarm notifications (alarms.txtar; see the end of this file):
//
//	subscriber FILE                   start an HTTP SNS subscriber, set SUBSCRIBER_URL
//	waitfor FILE REGEXP TIMEOUT       wait until FILE has a line matching REGEXP
//	poll TIMEOUT REGEXP aws ARGS...   rerun aws until it succeeds with stdout matching REGEXP
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the AWS CLI suite takes about a second a command")
	}
	clis := findAWSCLIs(t)
	if len(clis) == 0 {
		msg := "no AWS CLI found on PATH or in the usual locations; set KEYWARD_AWS_CLIS=/path/to/aws[:/path/to/another/aws]"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: .ci/run installs one)")
		}
		t.Skip(msg)
	}
	for _, cli := range clis {
		t.Logf("AWS CLI %s (%s): %s; endpoint from %s", cli.found, cli.path, cli.version, cli.endpointSource())
	}
	for _, cli := range clis {
		t.Run(cli.name(), func(t *testing.T) {
			t.Parallel()
			testscript.Run(t, testscript.Params{
				Dir:                 filepath.Join("testdata", "awscli"),
				Setup:               cli.setup,
				Condition:           cli.condition,
				RequireExplicitExec: true,
				RequireUniqueNames:  true,
				Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
					"aws":       cli.run,
					"serve":     cmdServe,
					"shutdown":  cmdShutdown,
					"capture":   cmdCapture,
					"b64decode": cmdB64Decode,
					"exports":   cmdExports,
					"timestamp": cmdTimestamp,
					// alarms.txtar
					"subscriber": cmdSubscriber,
					"waitfor":    cmdWaitFor,
					"poll":       cli.poll,
				},
			})
		})
	}
}

// awsCLI is one AWS CLI installation.
type awsCLI struct {
	found               string // as found; may be a pyenv shim
	path                string // what runs: found, less symlinks and shims
	version             string // first line of 'aws --version'
	major, minor, patch int
}

var cliVersionRE = regexp.MustCompile(`^aws-cli/(\d+)\.(\d+)\.(\d+)\s`)

func (c awsCLI) name() string { return fmt.Sprintf("aws-cli-%d.%d.%d", c.major, c.minor, c.patch) }

// readsEndpointEnv reports whether the CLI honours AWS_ENDPOINT_URL, which
// came with aws-cli 1.29.0 and 2.13.0. Older ones get --endpoint-url.
func (c awsCLI) readsEndpointEnv() bool {
	switch c.major {
	case 1:
		return c.minor >= 29
	case 2:
		return c.minor >= 13
	}
	return c.major > 2
}

func (c awsCLI) endpointSource() string {
	if c.readsEndpointEnv() {
		return "AWS_ENDPOINT_URL"
	}
	return "--endpoint-url, as it predates AWS_ENDPOINT_URL"
}

// condition serves [v1] and [v2]: the CLI's major version.
func (c awsCLI) condition(cond string) (bool, error) {
	switch cond {
	case "v1":
		return c.major == 1, nil
	case "v2":
		return c.major == 2, nil
	}
	return false, fmt.Errorf("unknown condition %q (want v1 or v2)", cond)
}

// findAWSCLIs returns the CLIs to test, one per distinct version.
func findAWSCLIs(t *testing.T) []awsCLI {
	explicit := os.Getenv("KEYWARD_AWS_CLIS")
	var paths []string
	if explicit != "" {
		paths = filepath.SplitList(explicit)
	} else {
		paths = defaultCLIPaths()
	}
	home := t.TempDir()
	seenPath := map[string]string{}
	seenVersion := map[string]string{}
	var clis []awsCLI
	for _, p := range paths {
		real, err := filepath.EvalSymlinks(resolveShim(p, home))
		if err == nil {
			var fi os.FileInfo
			if fi, err = os.Stat(real); err == nil && (fi.IsDir() || fi.Mode()&0o111 == 0) {
				err = errors.New("not an executable file")
			}
		}
		if err != nil {
			if explicit != "" {
				t.Fatalf("KEYWARD_AWS_CLIS: %s: %v", p, err)
			}
			continue
		}
		if first, ok := seenPath[real]; ok {
			if first != p {
				t.Logf("AWS CLI %s: same as %s", p, first)
			}
			continue
		}
		seenPath[real] = p
		cli, err := probeCLI(real, home)
		if err != nil {
			if explicit != "" {
				t.Fatalf("KEYWARD_AWS_CLIS: %v", err)
			}
			t.Logf("AWS CLI %s: skipped: %v", p, err)
			continue
		}
		if first, ok := seenVersion[cli.version]; ok {
			t.Logf("AWS CLI %s: same version as %s", p, first)
			continue
		}
		seenVersion[cli.version] = p
		cli.found = p
		clis = append(clis, cli)
	}
	return clis
}

// defaultCLIPaths lists every aws on PATH, then the usual install
// locations: Debian's package, pip, the official v2 installer, pyenv.
func defaultCLIPaths() []string {
	var paths []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir != "" {
			paths = append(paths, filepath.Join(dir, "aws"))
		}
	}
	paths = append(paths, "/usr/bin/aws", "/usr/local/bin/aws", "/usr/local/aws-cli/v2/current/bin/aws")
	if home, err := os.UserHomeDir(); err == nil {
		paths = append(paths, filepath.Join(home, ".local", "bin", "aws"))
		pyenv := os.Getenv("PYENV_ROOT")
		if pyenv == "" {
			pyenv = filepath.Join(home, ".pyenv")
		}
		paths = append(paths, filepath.Join(pyenv, "shims", "aws"))
	}
	return paths
}

var (
	pyenvShimRE = regexp.MustCompile(`exec "(/[^"]+/libexec/pyenv)" exec "\$program"`)
	pyenvRootRE = regexp.MustCompile(`(?m)^export PYENV_ROOT="(/[^"]+)"$`)
)

// resolveShim returns the program a pyenv shim would run, or path itself.
// Going through the shim doubles what each CLI command costs.
func resolveShim(path, home string) string {
	f, err := os.Open(path)
	if err != nil {
		return path
	}
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	f.Close()
	head = head[:n]
	m, root := pyenvShimRE.FindSubmatch(head), pyenvRootRE.FindSubmatch(head)
	if m == nil || root == nil {
		return path
	}
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, string(m[1]), "which", filepath.Base(path))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "PYENV_ROOT=" + string(root[1])}
	cmd.Dir = os.TempDir() // where the scripts run: no .python-version of the repository applies
	out, err := cmd.Output()
	if err != nil {
		return path
	}
	return strings.TrimSpace(string(out))
}

// probeCLI runs 'aws --version' in a hermetic environment.
func probeCLI(path, home string) (awsCLI, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--version")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C.UTF-8", "AWS_PAGER="}
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput() // v1 printed its version on stderr until 1.20
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if err != nil {
		return awsCLI{}, fmt.Errorf("%s --version: %v: %s", path, err, line)
	}
	m := cliVersionRE.FindStringSubmatch(line + " ")
	if m == nil {
		return awsCLI{}, fmt.Errorf("%s --version: unexpected output %q", path, line)
	}
	c := awsCLI{path: path, version: line}
	c.major, _ = strconv.Atoi(m[1])
	c.minor, _ = strconv.Atoi(m[2])
	c.patch, _ = strconv.Atoi(m[3])
	return c, nil
}

// setup gives each script a home of its own, empty AWS config files and the
// dev credentials; nothing of the developer's environment is passed on.
func (c awsCLI) setup(e *testscript.Env) error {
	home := filepath.Join(e.WorkDir, "home")
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		return err
	}
	config := filepath.Join(home, ".aws", "config")
	creds := filepath.Join(home, ".aws", "credentials")
	for _, f := range []string{config, creds} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			return err
		}
	}
	for k, v := range map[string]string{
		"HOME":                        home,
		"LANG":                        "C.UTF-8",
		"AWS_ACCESS_KEY_ID":           "test",
		"AWS_SECRET_ACCESS_KEY":       "test",
		"AWS_DEFAULT_REGION":          "us-east-1",
		"AWS_CONFIG_FILE":             config,
		"AWS_SHARED_CREDENTIALS_FILE": creds,
		"AWS_PAGER":                   "",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CLI_VERSION":             c.version,
	} {
		e.Setenv(k, v)
	}
	e.Values[stateKey{}] = &scriptState{}
	return nil
}

// cliEnv lists the variables a CLI sees; AWS_PAGER is always set, if empty.
var cliEnv = []string{
	"PATH", "HOME", "TMPDIR", "LANG",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL",
	"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
	"AWS_EC2_METADATA_DISABLED", "AWS_DEFAULT_OUTPUT",
}

// run is the script command 'aws ARGS...': the CLI under test, with the
// script's AWS_* variables, in the script's directory, under cliTimeout.
func (c awsCLI) run(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: aws ARGS...")
	}
	timedOut, err := c.runOnce(ts, args, ts.Stdout(), ts.Stderr())
	var exit *exec.ExitError
	switch {
	case timedOut:
		ts.Fatalf("aws did not finish within %v", cliTimeout)
	case err == nil && neg:
		ts.Fatalf("aws succeeded unexpectedly")
	case err != nil && !neg:
		ts.Fatalf("aws failed: %v", err)
	case err != nil && !errors.As(err, &exit):
		ts.Fatalf("aws did not run: %v", err)
	}
}

// runOnce runs the CLI once with the script's AWS_* variables, in the
// script's directory, under cliTimeout; timedOut reports that it ran out.
func (c awsCLI) runOnce(ts *testscript.TestScript, args []string, stdout, stderr io.Writer) (timedOut bool, err error) {
	if url := ts.Getenv("AWS_ENDPOINT_URL"); url != "" && !c.readsEndpointEnv() {
		args = append([]string{"--endpoint-url", url}, args...)
	}
	env := []string{"AWS_PAGER=" + ts.Getenv("AWS_PAGER")}
	for _, k := range cliEnv {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.path, args...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = env
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	return ctx.Err() != nil, err
}

// scriptState is what the server commands of one script share.
type scriptState struct {
	srv    *serverProc
	starts int
}

type stateKey struct{}

func state(ts *testscript.TestScript) *scriptState { return ts.Value(stateKey{}).(*scriptState) }

// serverProc is one running 'keyward serve'.
type serverProc struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed once the process has exited and its output is read
	err     error         // the exit status, once exited is closed
}

// cmdServe is the script command 'serve FLAGS...': start keyward serve
// --listen 127.0.0.1:0 FLAGS..., wait until it listens, point AWS_ENDPOINT_URL
// at it. What the server printed until then becomes the command's stderr; the
// whole output goes to $WORK/serve-N.log.
func cmdServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: serve FLAGS... (cannot be negated)")
	}
	st := state(ts)
	if st.srv != nil {
		ts.Fatalf("serve: a server is already running; shut it down first")
	}
	bin, err := exec.LookPath("keyward")
	ts.Check(err)
	st.starts++
	logPath := ts.MkAbs(fmt.Sprintf("serve-%d.log", st.starts))
	logFile, err := os.Create(logPath)
	ts.Check(err)
	r, w, err := os.Pipe()
	ts.Check(err)

	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = []string{"PATH=" + ts.Getenv("PATH"), "HOME=" + ts.Getenv("HOME"), "TMPDIR=" + ts.Getenv("TMPDIR")}
	for _, k := range []string{"KEYWARD_ROOT_PASSPHRASE", "GORACE", "GOCOVERDIR", "GOTRACEBACK"} {
		if v := ts.Getenv(k); v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Stdout, cmd.Stderr = w, w
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		logFile.Close()
		ts.Fatalf("serve: %v", err)
	}
	w.Close()
	srv := &serverProc{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	st.srv = srv
	ts.Defer(func() {
		if st.srv == srv { // the script failed (or forgot to shut down)
			srv.kill()
			ts.Logf("[keyward serve output, %s]\n%s", logPath, readLog(logPath))
		}
	})

	// Copy the output to the log, and hand over what came before the
	// listening line.
	type started struct{ url, startup string }
	ready := make(chan started, 1)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer logFile.Close()
		var startup strings.Builder
		sent := false
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logFile, line)
			if sent {
				continue
			}
			startup.WriteString(line + "\n")
			if url, ok := strings.CutPrefix(line, "keyward: listening on "); ok {
				ready <- started{url, startup.String()}
				sent = true
			}
		}
		_, _ = io.Copy(logFile, r) // after an over-long line
		r.Close()
	}()
	go func() {
		srv.err = cmd.Wait()
		<-readDone
		close(srv.exited)
	}()

	select {
	case s := <-ready:
		fmt.Fprint(ts.Stderr(), s.startup)
		ts.Setenv("AWS_ENDPOINT_URL", s.url)
	case <-srv.exited:
		st.srv = nil
		fmt.Fprint(ts.Stderr(), readLog(logPath))
		ts.Fatalf("keyward serve exited before listening: %v", srv.err)
	case <-time.After(startTimeout):
		srv.kill()
		st.srv = nil
		fmt.Fprint(ts.Stderr(), readLog(logPath))
		ts.Fatalf("keyward serve did not listen within %v", startTimeout)
	}
}

// cmdShutdown is the script command 'shutdown': SIGTERM the server, wait for it, and
// require a clean exit. The server's whole output becomes the command's stderr.
func cmdShutdown(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 0 {
		ts.Fatalf("usage: shutdown")
	}
	st := state(ts)
	srv := st.srv
	if srv == nil {
		ts.Fatalf("shutdown: no server running")
	}
	st.srv = nil
	ts.Setenv("AWS_ENDPOINT_URL", "")
	ts.Check(srv.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-srv.exited:
	case <-time.After(stopTimeout):
		srv.kill()
		fmt.Fprint(ts.Stderr(), readLog(srv.logPath))
		ts.Fatalf("keyward serve did not stop within %v of SIGTERM", stopTimeout)
	}
	out := readLog(srv.logPath)
	fmt.Fprint(ts.Stderr(), out)
	if srv.err != nil {
		ts.Fatalf("keyward serve: %v", srv.err)
	}
	if strings.Contains(out, "WARNING: DATA RACE") {
		ts.Fatalf("keyward serve: the race detector reported a data race")
	}
}

// kill ends the server if it still runs: SIGTERM, then SIGKILL.
func (s *serverProc) kill() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

func readLog(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(reading %s: %v)\n", path, err)
	}
	return string(b)
}

// cmdCapture is the script command 'capture NAME...': set each NAME to the
// matching whitespace-separated field of the last stdout, which must have
// exactly that many fields.
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: capture NAME...")
	}
	fields := strings.Fields(ts.ReadFile("stdout"))
	if len(fields) != len(args) {
		ts.Fatalf("capture: want %d fields in stdout, got %d: %q", len(args), len(fields), fields)
	}
	for i, name := range args {
		ts.Setenv(name, fields[i])
	}
}

// cmdB64Decode is the script command 'b64decode SRC DST': decode the base64
// text of SRC (a file, or stdout) into the file DST, as 'base64 --decode'.
func cmdB64Decode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: b64decode SRC DST")
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(ts.ReadFile(args[0])))
	if err != nil {
		ts.Fatalf("b64decode %s: %v", args[0], err)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o600))
}

var exportRE = regexp.MustCompile(`(?m)^export ([A-Z_][A-Z0-9_]*)=(\S+)$`)

// cmdExports is the script command 'exports SRC': set the variables of the
// 'export NAME=VALUE' lines of SRC (a file, stdout or stderr).
func cmdExports(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: exports SRC")
	}
	ms := exportRE.FindAllStringSubmatch(ts.ReadFile(args[0]), -1)
	if len(ms) == 0 {
		ts.Fatalf("exports: no 'export NAME=VALUE' line in %s", args[0])
	}
	for _, m := range ms {
		ts.Setenv(m[1], m[2])
	}
}

// cmdTimestamp is the script command 'timestamp VALUE OFFSET': VALUE is a
// timestamp as a CLI prints it (v1: epoch seconds; v2: ISO 8601) within five
// minutes of now + OFFSET (a Go duration).
func cmdTimestamp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: timestamp VALUE OFFSET")
	}
	off, err := time.ParseDuration(args[1])
	ts.Check(err)
	var got time.Time
	if sec, err := strconv.ParseFloat(args[0], 64); err == nil {
		got = time.UnixMilli(int64(sec * 1000))
	} else if got, err = time.Parse(time.RFC3339Nano, args[0]); err != nil {
		ts.Fatalf("timestamp: %q is neither epoch seconds nor ISO 8601", args[0])
	}
	want := time.Now().Add(off)
	if d := got.Sub(want); d < -5*time.Minute || d > 5*time.Minute {
		ts.Fatalf("timestamp: %s is %v away from now+%v (%s)", got.UTC().Format(time.RFC3339), d.Round(time.Second), off, want.UTC().Format(time.RFC3339))
	}
}

// ---------------------------------------------------------------------
// Alarm notifications (alarms.txtar): an HTTP SNS subscriber, waiting for
// what it receives, and polling a CLI command.
// ---------------------------------------------------------------------

// cmdSubscriber is the script command 'subscriber FILE': start an HTTP
// endpoint for SNS in the test process and set SUBSCRIBER_URL to it. It
// confirms a SubscriptionConfirmation by GETting its SubscribeURL, as a
// subscriber does, checks each message's signature with the certificate at
// its SigningCertURL, and appends each message to FILE as lines
//
//	Type: ...
//	TopicArn: ...
//	Subject: ...      (when present)
//	Message: ...      (newlines as \n)
//	Signature: ok     (or BAD: the verification error)
//	Confirmed: ARN    (a confirmation: the ConfirmSubscription result)
//
// and a blank line; anything else it receives is a line 'subscriber
// error: ...'. It stops when the script ends.
func cmdSubscriber(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: subscriber FILE")
	}
	path := ts.MkAbs(args[0])
	ts.Check(os.WriteFile(path, nil, 0o600))
	var mu sync.Mutex
	record := func(lines ...string) {
		mu.Lock()
		defer mu.Unlock()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return
		}
		defer f.Close()
		fmt.Fprint(f, strings.Join(lines, "\n")+"\n")
	}
	client := &http.Client{Timeout: 10 * time.Second}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			record(fmt.Sprintf("subscriber error: %s %s: body is not JSON: %q", r.Method, r.URL, body))
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		fields := map[string]string{}
		for k, v := range doc {
			if s, ok := v.(string); ok {
				fields[k] = s
			}
		}
		lines := []string{"Type: " + fields["Type"], "TopicArn: " + fields["TopicArn"]}
		if s, ok := fields["Subject"]; ok {
			lines = append(lines, "Subject: "+s)
		}
		lines = append(lines, "Message: "+strings.ReplaceAll(fields["Message"], "\n", `\n`))
		if err := verifySNS(client, fields); err != nil {
			lines = append(lines, "Signature: BAD: "+err.Error())
		} else {
			lines = append(lines, "Signature: ok")
		}
		status := http.StatusOK
		if fields["Type"] == "SubscriptionConfirmation" {
			arn, err := confirmSNS(client, fields["SubscribeURL"])
			if err != nil {
				lines = append(lines, "subscriber error: confirming: "+err.Error())
				status = http.StatusInternalServerError
			} else {
				lines = append(lines, "Confirmed: "+arn)
			}
		}
		record(append(lines, "")...)
		w.WriteHeader(status)
	}))
	ts.Defer(srv.Close)
	ts.Setenv("SUBSCRIBER_URL", srv.URL+"/sns")
}

// verifySNS checks a message's signature with the certificate its
// SigningCertURL names.
func verifySNS(client *http.Client, fields map[string]string) error {
	resp, err := client.Get(fields["SigningCertURL"])
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	pem, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", fields["SigningCertURL"], resp.Status)
	}
	return notify.VerifySignature(fields, pem)
}

// confirmSNS follows a SubscribeURL with a plain GET and returns the
// confirmed subscription's ARN.
func confirmSNS(client *http.Client, subscribeURL string) (string, error) {
	resp, err := client.Get(subscribeURL)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %s", subscribeURL, resp.Status, b)
	}
	var out struct {
		ARN string `xml:"ConfirmSubscriptionResult>SubscriptionArn"`
	}
	if err := xml.Unmarshal(b, &out); err != nil || out.ARN == "" {
		return "", fmt.Errorf("GET %s: no SubscriptionArn in %q", subscribeURL, b)
	}
	return out.ARN, nil
}

// cmdWaitFor is the script command 'waitfor FILE REGEXP TIMEOUT': wait
// until a line of FILE matches REGEXP (multi-line mode), at most TIMEOUT (a
// Go duration).
func cmdWaitFor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: waitfor FILE REGEXP TIMEOUT")
	}
	re, err := regexp.Compile(`(?m)` + args[1])
	ts.Check(err)
	timeout, err := time.ParseDuration(args[2])
	ts.Check(err)
	path := ts.MkAbs(args[0])
	start := time.Now()
	for {
		b, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			ts.Fatalf("waitfor: %v", err)
		}
		if re.Match(b) {
			ts.Logf("waitfor: matched after %v", time.Since(start).Round(100*time.Millisecond))
			return
		}
		if time.Since(start) > timeout {
			ts.Fatalf("waitfor: no match for %q in %s within %v; it holds:\n%s", args[1], args[0], timeout, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// poll is the script command 'poll TIMEOUT REGEXP aws ARGS...': run the CLI
// every two seconds until it succeeds and its stdout matches REGEXP, at most
// TIMEOUT (a Go duration). The last run's output is the command's.
func (c awsCLI) poll(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 4 || args[2] != "aws" {
		ts.Fatalf("usage: poll TIMEOUT REGEXP aws ARGS...")
	}
	timeout, err := time.ParseDuration(args[0])
	ts.Check(err)
	re, err := regexp.Compile(`(?m)` + args[1])
	ts.Check(err)
	start := time.Now()
	for n := 1; ; n++ {
		var stdout, stderr strings.Builder
		timedOut, err := c.runOnce(ts, args[3:], &stdout, &stderr)
		if timedOut {
			ts.Fatalf("aws did not finish within %v", cliTimeout)
		}
		done := err == nil && re.MatchString(stdout.String())
		if done || time.Since(start) > timeout {
			fmt.Fprint(ts.Stdout(), stdout.String())
			fmt.Fprint(ts.Stderr(), stderr.String())
			if !done {
				ts.Fatalf("poll: aws %s: no success with stdout matching %q within %v (%d runs; last: %v)",
					strings.Join(args[3:], " "), args[1], timeout, n, err)
			}
			ts.Logf("poll: matched after %v (%d runs)", time.Since(start).Round(100*time.Millisecond), n)
			return
		}
		time.Sleep(2 * time.Second)
	}
}
