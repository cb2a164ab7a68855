package fundflow_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/fundflow/fundflow"

// layer is which part of the architecture a package of this module belongs
// to, read off its path alone, so the folder names cannot lie.
func layer(path string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
	first, rest, _ := strings.Cut(rel, "/")
	switch {
	case rel == "":
		return "root"
	case first == "internal" && strings.HasPrefix(rest, "adapter/"):
		return "adapter"
	case first == "internal" && strings.HasPrefix(rest, "devtest/"):
		return "devtest"
	case first == "internal":
		return "domain"
	}
	return first
}

// allowed says which layers each layer's non-test code may import. cmd and
// devtest assemble everything, so they may import anything. The web may
// import its own generated API client (web/apiclient), never the api
// package: it reaches the engine only through the HTTP contract.
var allowed = map[string][]string{
	"root":       {},
	"templates":  {},
	"domain":     {"root", "domain", "templates"},
	"adapter":    {"root", "domain", "adapter", "templates"},
	"activities": {"root", "domain", "adapter"},
	"workflows":  {"root", "domain", "activities", "adapter"},
	"api":        {"root", "domain", "adapter", "workflows"},
	"web":        {"root", "domain", "adapter", "templates", "web"},
	"worker":     {"root", "workflows", "activities", "adapter"},
}

// forbidden are outside packages a layer must never import directly.
var forbidden = map[string][]string{
	"root":      {"go.temporal.io/", "github.com/redis/"},
	"domain":    {"go.temporal.io/", "github.com/redis/", "net/http"},
	"workflows": {"github.com/redis/", "net/http"},
}

// workflowAdapters are the only adapters workflow code may reach for: the
// one that carries refusals across Temporal.
var workflowAdapters = []string{module + "/internal/adapter/temporalerr"}

type pkg struct {
	ImportPath string
	Imports    []string
}

func list(t *testing.T, args ...string) []pkg {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-json"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
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

// TestLayout holds the dependency rules the package doc comments state:
// the root is vocabulary, domain packages are pure, adapters never reach
// up into the engine, and nothing but cmd and tests use internal/devtest.
func TestLayout(t *testing.T) {
	for _, p := range list(t, module+"/...") {
		from := layer(p.ImportPath)
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				for _, bad := range forbidden[from] {
					if strings.HasPrefix(imp, bad) {
						t.Errorf("%s (%s) imports %s", p.ImportPath, from, imp)
					}
				}
				continue
			}
			to := layer(imp)
			ok, rule := allowed[from]
			if rule && !slices.Contains(ok, to) {
				t.Errorf("%s (%s) imports %s (%s)", p.ImportPath, from, imp, to)
			}
			if from == "workflows" && to == "adapter" && !slices.Contains(workflowAdapters, imp) {
				t.Errorf("workflow code imports the adapter %s", imp)
			}
		}
	}
}

// TestProductionBuildLeavesOutDevtest: the nodev build links nothing that
// exists only for dev mode and tests.
func TestProductionBuildLeavesOutDevtest(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "nodev", module+"/cmd/fundflow").Output()
	if err != nil {
		t.Fatal(err)
	}
	for dep := range strings.Lines(string(out)) {
		if layer(strings.TrimSpace(dep)) == "devtest" {
			t.Errorf("the nodev build links %s", strings.TrimSpace(dep))
		}
	}
}
