package api

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/fundflow/fundflow/internal/email"
)

// lowerCamel is how an operationId reads: a verb, then a noun, run
// together, so a generated client's method names say what they do.
var lowerCamel = regexp.MustCompile(`^[a-z]+(?:[A-Z][a-z0-9]*)+$`)

// TestOperationsAreNamedAndTagged: a client generated from the document
// names its methods by operationId and groups them by tag, so every
// operation needs one of each, no two may share an id, and each tag must
// be one the document describes.
func TestOperationsAreNamedAndTagged(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPIDocument())
	if err != nil {
		t.Fatal(err)
	}
	described := map[string]bool{}
	for _, tag := range doc.Tags {
		if tag.Description == "" {
			t.Errorf("tag %q has no description", tag.Name)
		}
		described[tag.Name] = true
	}
	byID := map[string]string{}
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			n++
			where := method + " " + path
			switch {
			case op.OperationID == "":
				t.Errorf("%s has no operationId", where)
			case !lowerCamel.MatchString(op.OperationID):
				t.Errorf("%s: operationId %q is not lowerCamel verb+noun", where, op.OperationID)
			case byID[op.OperationID] != "":
				t.Errorf("%s and %s share the operationId %q", byID[op.OperationID], where, op.OperationID)
			}
			byID[op.OperationID] = where
			if len(op.Tags) != 1 {
				t.Errorf("%s has %d tags, want one", where, len(op.Tags))
			}
			for _, tag := range op.Tags {
				if !described[tag] {
					t.Errorf("%s: tag %q is not in the document's tags", where, tag)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("the document has no operations")
	}
}

// The document states the one email rule where it takes an address to
// invite, so a client can check before it sends.
func TestOpenAPIStatesTheEmailRule(t *testing.T) {
	var doc struct {
		Paths map[string]struct {
			Post struct {
				RequestBody struct {
					Content map[string]struct {
						Schema struct {
							Properties map[string]struct {
								Pattern   string `json:"pattern"`
								MaxLength int    `json:"maxLength"`
							} `json:"properties"`
						} `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			} `json:"post"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Paths["/v1/users"].Post.RequestBody.Content["application/json"].Schema.Properties["email"]
	if got.Pattern != email.Pattern || got.MaxLength != email.MaxLen {
		t.Errorf("the invitation's email is %+v, want email.Pattern and email.MaxLen", got)
	}
}
