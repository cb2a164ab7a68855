package apitest

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// PDFText is a PDF's text by poppler's pdftotext, with runs of white space
// made single spaces, for tests that check a PDF says what the JSON says.
// Without pdftotext the check cannot run: locally that is a skip, under CI
// a failure rather than a vacuous pass.
func PDFText(t testing.TB, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		msg := "pdftotext not found; install poppler-utils to run the PDF text checks"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(bin, "-layout", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v: %s", err, stderr.String())
	}
	return strings.Join(strings.Fields(out.String()), " ")
}
