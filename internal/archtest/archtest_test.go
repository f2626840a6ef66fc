// Package archtest enforces the import directions DESIGN.md lays out. It
// holds only this test.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/keyward/keyward/"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", mod+"...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// domain packages hold the business rules: no HTTP, no SQL, no protocol or
// storage package, and nothing above them.
var domain = []string{"errs", "crypto", "policy", "grants", "audit", "seal", "authz", "identity", "kms", "secrets", "alarms"}

func rel(path string) string { return strings.TrimPrefix(path, mod) }

func isUnder(path, prefix string) bool {
	return path == mod+prefix || strings.HasPrefix(path, mod+prefix+"/")
}

func TestImportDirections(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, p := range pkgs {
		from := rel(p.ImportPath)
		for _, d := range domain {
			if !isUnder(p.ImportPath, "internal/"+d) {
				continue
			}
			for _, dep := range p.Deps {
				switch {
				case dep == "net/http", dep == "database/sql":
					t.Errorf("%s depends on %s: domain packages do no HTTP or SQL", from, dep)
				case isUnder(dep, "internal/api"), isUnder(dep, "internal/awsproto"), isUnder(dep, "internal/storage"),
					isUnder(dep, "internal/server"), isUnder(dep, "internal/config"), isUnder(dep, "cmd"):
					t.Errorf("%s depends on %s: domain packages sit below protocols, storage and the server", from, rel(dep))
				}
			}
		}
		if isUnder(p.ImportPath, "internal/crypto") {
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, mod) && !isUnder(imp, "internal/errs") {
					t.Errorf("%s imports %s: crypto depends on errs only", from, rel(imp))
				}
			}
		}
		if isUnder(p.ImportPath, "internal/api") {
			for _, imp := range p.Imports {
				if isUnder(imp, "internal/storage") {
					t.Errorf("%s imports %s: protocol packages never touch storage", from, rel(imp))
				}
				if isUnder(imp, "internal/api") && apiService(imp) != apiService(p.ImportPath) {
					t.Errorf("%s imports %s: api packages never import each other", from, rel(imp))
				}
			}
		}
		if isUnder(p.ImportPath, "internal/storage") {
			for _, imp := range p.Imports {
				if isUnder(imp, "internal/api") || isUnder(imp, "internal/awsproto") || isUnder(imp, "internal/server") {
					t.Errorf("%s imports %s: storage adapters know nothing of protocols", from, rel(imp))
				}
			}
		}
		if !isUnder(p.ImportPath, "cmd") {
			for _, imp := range p.Imports {
				if isUnder(imp, "internal/server") && !isUnder(p.ImportPath, "internal/server") {
					t.Errorf("%s imports the server: only cmd composes it", from)
				}
			}
		}
	}
}

// apiService returns the api/<service> part of a package path.
func apiService(path string) string {
	parts := strings.Split(rel(path), "/")
	if len(parts) >= 3 {
		return parts[2]
	}
	return ""
}

// testHelpers are packages that exist only to support tests: no package
// may import them outside its _test files (go list's Imports leaves test
// imports out).
var testHelpers = []string{"internal/awsproto/awsquery/querytest", "internal/awsproto/modeltest"}

func TestTestHelpersStayInTests(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, imp := range p.Imports {
			for _, h := range testHelpers {
				if isUnder(imp, h) {
					t.Errorf("%s imports %s: test helpers are imported by _test files only", rel(p.ImportPath), h)
				}
			}
		}
	}
}
