package document

import (
	"archive/zip"
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Zip builds a zip container of the named parts; the first part is stored
// uncompressed, as OpenDocument's mimetype must be.
func Zip(t testing.TB, parts ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for i := 0; i+1 < len(parts); i += 2 {
		method := zip.Deflate
		if i == 0 {
			method = zip.Store
		}
		w, err := z.CreateHeader(&zip.FileHeader{Name: parts[i], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(parts[i+1]))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"pdf", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj"), TypePDF},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), TypePNG},
		{"jpeg", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F'}, TypeJPEG},
		{"docx", Zip(t, "[Content_Types].xml", "<Types/>", "word/document.xml", "<w:document/>"), TypeDOCX},
		{"xlsx", Zip(t, "[Content_Types].xml", "<Types/>", "xl/workbook.xml", "<workbook/>"), TypeXLSX},
		{"odt", Zip(t, "mimetype", TypeODT, "content.xml", "<office:document-content/>"), TypeODT},
		{"csv", []byte("route,count\nNHS App,12\n"), TypeCSV},
		{"csv with BOM and CRLF", []byte("\xef\xbb\xbfmeasure,figure\r\nweight,\"3,5\"\r\n"), TypeCSV},
		{"windows executable", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), ""},
		{"elf", []byte("\x7fELF\x02\x01\x01\x00"), ""},
		{"zip of anything", Zip(t, "payload.exe", "MZ"), ""},
		{"ods is not odt", Zip(t, "mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml", "x"), ""},
		{"compressed mimetype", Zip(t, "content.xml", "x", "mimetype", TypeODT), ""},
		{"truncated zip", []byte("PK\x03\x04garbage"), ""},
		{"latin-1 text", []byte("caf\xe9,1\n"), ""},
		{"text with NUL", []byte("a,b\x00\n"), ""},
		{"empty", nil, ""},
	} {
		if got := Sniff(c.data); got != c.want {
			t.Errorf("%s: Sniff = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"DPIA v2.pdf":                 "DPIA v2.pdf",
		"../../etc/passwd":            "passwd",
		`..\..\Windows\win.ini`:       "win.ini",
		"/abs/path/report.pdf":        "report.pdf",
		"evil\r\nContent-Type: x.pdf": "evilContent-Type_ x.pdf",
		".hidden.csv":                 "hidden.csv",
		"a\u202egnp.exe":              "agnp.exe", // right-to-left override dropped
		`say "hi".pdf`:                "say _hi_.pdf",
		"Évaluation plan — Q1.docx":   "Évaluation plan — Q1.docx",
		"  spaced  .pdf ":             "spaced  .pdf",
	} {
		got, err := CleanName(in)
		if err != nil || got != want {
			t.Errorf("CleanName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "..", "/", "...", "\x00\x01", " . "} {
		if got, err := CleanName(bad); err == nil {
			t.Errorf("CleanName(%q) = %q, want an error", bad, got)
		}
	}
	long, err := CleanName(strings.Repeat("é", 200) + ".pdf")
	if err != nil || len(long) > maxNameBytes || !utf8.ValidString(long) {
		t.Errorf("long name: %d bytes, valid %v, %v", len(long), utf8.ValidString(long), err)
	}
}

func TestWithExtension(t *testing.T) {
	for _, c := range [][3]string{
		{"plan.pdf", TypePDF, "plan.pdf"},
		{"plan.PDF", TypePDF, "plan.PDF"},
		{"photo.jpeg", TypeJPEG, "photo.jpeg"},
		{"setup.exe", TypePDF, "setup.exe.pdf"},
		{"figures", TypeCSV, "figures.csv"},
	} {
		if got := WithExtension(c[0], c[1]); got != c[2] {
			t.Errorf("WithExtension(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

func TestSweepDeletesOnlyWhatNoRecordNeeds(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	old, young, ancient := now.Add(-48*time.Hour), now.Add(-time.Hour), now.Add(-60*24*time.Hour)
	stored := []Stored{
		{SHA256: "kept", ModTime: old},                                  // a live record's
		{SHA256: "shared", ModTime: old},                                // one of two records removed
		{SHA256: "removed", ModTime: old},                               // its only record removed
		{SHA256: "in-flight", ModTime: young},                           // stored, not yet recorded
		{SHA256: "quarantined", ModTime: old, Quarantined: true},        // infected, inside retention
		{SHA256: "expired", ModTime: ancient, Quarantined: true},        // infected, past retention
		{SHA256: "orphan-quarantine", ModTime: old, Quarantined: true},  // no record at all
		{SHA256: "young-quarantine", ModTime: young, Quarantined: true}, // just quarantined, no record yet
	}
	records := []Document{{SHA256: "kept"}, {SHA256: "shared"}, {SHA256: "quarantined", ScanStatus: ScanInfected}, {SHA256: "expired", ScanStatus: ScanInfected}}
	p := SweepPolicy{MinAge: DefaultSweepMinAge, QuarantineRetention: DefaultQuarantineRetention}
	var got []string
	for _, s := range p.Sweepable(now, stored, records) {
		got = append(got, s.SHA256)
	}
	if want := []string{"removed", "expired", "orphan-quarantine"}; !slices.Equal(got, want) {
		t.Fatalf("sweepable %v, want %v", got, want)
	}
	p.QuarantineRetention = 0
	for _, s := range p.Sweepable(now, stored, records) {
		if s.SHA256 == "expired" {
			t.Error("with no retention set, a recorded quarantined file was swept")
		}
	}
}
