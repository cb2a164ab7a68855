// Package pdfmeta writes the document metadata fundflow's PDFs carry: the
// title, author and subject in the document information dictionary, and
// the same with the language in an XMP packet. It is pure domain: it
// imports gofpdf, never Temporal, Redis or the network.
//
// gofpdf (v1.16.2, the library the product fixed) writes neither a /Lang
// entry nor a /Metadata reference in the document catalog, and offers no
// way to add either. So the information dictionary, which every reader
// shows, is where the title reaches a person; the language is only in the
// XMP packet, which gofpdf stores as a stream of its own that the catalog
// does not point at. Tools that scan a file for XMP packets (the packet
// wrapper exists for them) find it; PDF readers and assistive technology,
// which look up /Metadata and /Lang from the catalog, do not.
//
// Letters hash what Set writes (internal/letters' golden figures): a
// change here is a new letter renderer, never an edit.
package pdfmeta

import (
	"bytes"
	"encoding/xml"
	"time"

	"github.com/jung-kurt/gofpdf"
)

// Language is the language every fundflow document is written in, as a
// BCP 47 tag.
const Language = "en-GB"

// creator names fundflow as the tool that made the document and the
// library's producer.
const creator = "fundflow"

// Meta describes one document.
type Meta struct {
	Title, Author, Subject string
	// At is when the document was made; its creation and modification
	// dates both, so the same document always gives the same bytes.
	At time.Time
}

// Set gives pdf m's metadata, in its information dictionary and in an XMP
// packet that also names Language. Empty fields are left out of both.
func Set(pdf *gofpdf.Fpdf, m Meta) {
	m.At = m.At.UTC()
	pdf.SetCreationDate(m.At)
	pdf.SetModificationDate(m.At)
	pdf.SetProducer(creator, false)
	pdf.SetCreator(creator, false)
	if m.Title != "" {
		pdf.SetTitle(m.Title, true)
	}
	if m.Author != "" {
		pdf.SetAuthor(m.Author, true)
	}
	if m.Subject != "" {
		pdf.SetSubject(m.Subject, true)
	}
	pdf.SetXmpMetadata(xmp(m))
}

// xmp is m as an XMP packet whose properties mirror the information
// dictionary's, as ISO 32000 asks of a document that has both. The packet
// is marked read-only (end="r"): a fundflow document is never edited in
// place, so it carries no padding for that.
func xmp(m Meta) []byte {
	var b bytes.Buffer
	b.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<dc:format>application/pdf</dc:format>
`)
	alt := func(name, s string) {
		if s != "" {
			b.WriteString("<dc:" + name + "><rdf:Alt><rdf:li xml:lang=\"x-default\">")
			_ = xml.EscapeText(&b, []byte(s))
			b.WriteString("</rdf:li></rdf:Alt></dc:" + name + ">\n")
		}
	}
	alt("title", m.Title)
	if m.Author != "" {
		b.WriteString("<dc:creator><rdf:Seq><rdf:li>")
		_ = xml.EscapeText(&b, []byte(m.Author))
		b.WriteString("</rdf:li></rdf:Seq></dc:creator>\n")
	}
	alt("description", m.Subject)
	at := m.At.Format(time.RFC3339)
	b.WriteString(`<dc:language><rdf:Bag><rdf:li>` + Language + `</rdf:li></rdf:Bag></dc:language>
<xmp:CreateDate>` + at + `</xmp:CreateDate>
<xmp:ModifyDate>` + at + `</xmp:ModifyDate>
<xmp:CreatorTool>` + creator + `</xmp:CreatorTool>
<pdf:Producer>` + creator + `</pdf:Producer>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>`)
	return b.Bytes()
}
