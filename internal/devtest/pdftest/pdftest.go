// Package pdftest checks PDFs the product makes with tools made for the
// job: qpdf for the file's structure, poppler's pdfinfo for what a reader
// shows of its metadata, and pdftotext for what it says. It is for tests only and imports no fundflow
// package.
package pdftest

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tool finds a command-line tool. Without it the check cannot run: locally
// that is a skip, but under CI it must fail rather than pass vacuously.
func tool(t testing.TB, name, pkg string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		msg := name + " not found; install it (apt-get install -y " + pkg + ") to run the PDF checks"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// run runs bin with args and the path of a file holding pdf, as qpdf reads
// no standard input.
func run(t testing.TB, bin string, pdf []byte, args ...string) (string, string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append(args, path)...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	return out.String(), stderr.String(), err
}

// Check fails t unless qpdf --check finds the file sound: its syntax, cross
// reference table, object streams and every stream's encoding. qpdf exits
// 3 for warnings (a repaired xref, a bad stream length), which fail too.
func Check(t testing.TB, name string, pdf []byte) {
	t.Helper()
	out, stderr, err := run(t, tool(t, "qpdf", "qpdf"), pdf, "--check")
	if err != nil || stderr != "" {
		t.Errorf("%s: qpdf --check: %v\n%s%s", name, err, out, stderr)
	}
}

// Info is the document information dictionary as pdfinfo reads it: what a
// PDF reader shows as the document's properties, keyed by pdfinfo's labels
// ("Title", "Author", "Subject", "Pages", ...).
func Info(t testing.TB, pdf []byte) map[string]string {
	t.Helper()
	out, stderr, err := run(t, tool(t, "pdfinfo", "poppler-utils"), pdf, "-enc", "UTF-8")
	if err != nil || stderr != "" {
		t.Fatalf("pdfinfo: %v: %s", err, stderr)
	}
	info := map[string]string{}
	for line := range strings.Lines(out) {
		if k, v, ok := strings.Cut(line, ":"); ok {
			info[k] = strings.TrimSpace(v)
		}
	}
	return info
}

// XMP is what a packet scanner reads of a file's XMP packet: its Dublin
// Core title and languages. The packet is found by its wrapper, as the XMP
// specification lets a reader that does not know the file's format find
// it; fundflow's packets are stored uncompressed for that reason.
type XMP struct {
	Title     []string `xml:"RDF>Description>title>Alt>li"`
	Languages []string `xml:"RDF>Description>language>Bag>li"`
}

// ReadXMP fails t unless pdf holds exactly one well-formed XMP packet, and
// returns it.
func ReadXMP(t testing.TB, pdf []byte) XMP {
	t.Helper()
	const begin, end = "<x:xmpmeta", "</x:xmpmeta>"
	if n := bytes.Count(pdf, []byte("<?xpacket begin=")); n != 1 {
		t.Fatalf("%d XMP packets, want 1", n)
	}
	i := bytes.Index(pdf, []byte(begin))
	j := bytes.Index(pdf, []byte(end))
	if i < 0 || j < i {
		t.Fatal("the XMP packet has no x:xmpmeta element")
	}
	var x XMP
	if err := xml.Unmarshal(pdf[i:j+len(end)], &x); err != nil {
		t.Fatalf("the XMP packet is not well-formed: %v", err)
	}
	return x
}

// Text is the PDF's text by poppler's pdftotext -layout, laid out as on the
// page; args are more pdftotext options (-f and -l for a page range). Any
// complaint pdftotext makes about the file fails t.
func Text(t testing.TB, pdf []byte, args ...string) string {
	t.Helper()
	args = append([]string{"-layout", "-enc", "UTF-8"}, append(args, "-", "-")...)
	cmd := exec.Command(tool(t, "pdftotext", "poppler-utils"), args...)
	cmd.Stdin = bytes.NewReader(pdf)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v: %s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("pdftotext complains: %s", stderr.String())
	}
	return out.String()
}

// Words is Text with every run of white space one space: what a PDF says,
// for tests that are not about where it says it.
func Words(t testing.TB, pdf []byte, args ...string) string {
	t.Helper()
	return strings.Join(strings.Fields(Text(t, pdf, args...)), " ")
}
