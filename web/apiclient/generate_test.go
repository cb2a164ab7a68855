package apiclient

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedClientIsCurrent regenerates the client from the document
// into a temporary file, exactly as go:generate does, and fails unless it
// is the committed one: the web's types cannot drift from the contract.
func TestGeneratedClientIsCurrent(t *testing.T) {
	cfg, err := os.ReadFile("config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const output = "\noutput: client.gen.go\n"
	if !bytes.Contains(cfg, []byte(output)) {
		t.Fatalf("config.yaml no longer says %q; update this test", strings.TrimSpace(output))
	}
	out := filepath.Join(t.TempDir(), "client.gen.go")
	tmpCfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(tmpCfg, bytes.Replace(cfg, []byte(output), []byte("\noutput: "+out+"\n"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	// Run here, as go:generate does, so the overlay's relative path holds.
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", tmpCfg, "../../api/openapi.json")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("web/apiclient/client.gen.go is not what api/openapi.json generates: run go generate ./web/apiclient")
	}
}
