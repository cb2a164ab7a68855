package document

import (
	"archive/zip"
	"bytes"
	"io"
	"slices"
	"unicode/utf8"
)

// The accepted types.
const (
	TypePDF  = "application/pdf"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypeODT  = "application/vnd.oasis.opendocument.text"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeCSV  = "text/csv"
)

var extensions = map[string]string{
	TypePDF: ".pdf", TypeDOCX: ".docx", TypeXLSX: ".xlsx", TypeODT: ".odt",
	TypePNG: ".png", TypeJPEG: ".jpg", TypeCSV: ".csv",
}

func accepted(contentType string) bool { _, ok := extensions[contentType]; return ok }

// Accepted says, for a person, what may be uploaded.
const Accepted = "PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT), PNG, JPEG or CSV"

// Sniff names the accepted type data is, from its bytes alone, or returns
// "" for anything else: an executable named report.pdf is not a PDF.
// Office files are zip containers and are told apart by the parts inside,
// which a renamed zip of anything else lacks.
func Sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return TypePDF
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return TypeJPEG
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return sniffZip(data)
	case csvText(data):
		return TypeCSV
	}
	return ""
}

func sniffZip(data []byte) string {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(z.File) == 0 {
		return ""
	}
	names := make([]string, len(z.File))
	for i, f := range z.File {
		names[i] = f.Name
	}
	has := func(n string) bool { return slices.Contains(names, n) }
	// OpenDocument puts its type, uncompressed, in the first entry.
	if first := z.File[0]; first.Name == "mimetype" && first.Method == zip.Store {
		r, err := first.Open()
		if err != nil {
			return ""
		}
		defer r.Close()
		b, _ := io.ReadAll(io.LimitReader(r, 100))
		if string(b) == TypeODT && has("content.xml") {
			return TypeODT
		}
		return ""
	}
	switch {
	case has("[Content_Types].xml") && has("word/document.xml"):
		return TypeDOCX
	case has("[Content_Types].xml") && has("xl/workbook.xml"):
		return TypeXLSX
	}
	return ""
}

// csvText is UTF-8 text with no control characters but tab and line
// ends: what a spreadsheet exports, and not what a binary is.
func csvText(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(data) == 0 || !utf8.Valid(data) {
		return false
	}
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}
