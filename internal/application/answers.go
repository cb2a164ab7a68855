package application

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/fundflow/fundflow/internal/form"
)

// A fund's own questions, those the typed fields of Content do not hold,
// are answered by question id in Content.Answers and Patch.Answers. On the
// wire they are members of the same JSON object as the typed fields, so an
// applicant's answers are one object keyed by question id whatever the fund,
// and the seeded fund's content, patches and recorded workflow histories
// keep exactly the JSON they always had.

// typedMembers are the JSON names of Content's typed fields.
var typedMembers = func() []string {
	var out []string
	t := reflect.TypeFor[contentFields]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}()

// Typed reports whether id is the JSON name of one of Content's typed
// fields, which every form's answers may use only for the question of that
// id.
func Typed(id string) bool { return slices.Contains(typedMembers, id) }

// contentFields and patchFields have Content's and Patch's fields without
// their methods, to marshal the typed part the default way.
type (
	contentFields Content
	patchFields   Patch
)

// MarshalJSON writes the typed fields as always, then the answers to the
// fund's own questions in id order.
func (c Content) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(contentFields(c))
	if err != nil {
		return nil, err
	}
	return withAnswers(b, c.Answers)
}

// UnmarshalJSON reads the typed fields leniently, as a workflow reading its
// own state must, and keeps every other member as an answer.
func (c *Content) UnmarshalJSON(b []byte) error {
	var f contentFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	rest, err := others(b, nil)
	if err != nil {
		return err
	}
	f.Answers = rest
	*c = Content(f)
	return nil
}

// MarshalJSON writes the patch as it was sent: the members present, the
// fund's own answers among them.
func (p Patch) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(patchFields(p))
	if err != nil {
		return nil, err
	}
	return withAnswers(b, p.Answers)
}

// UnmarshalJSON decodes the typed members strictly, as the API's decoder
// would (a wrong type or a misspelt member of lead_contact is refused), and
// keeps every other member as an answer for the form to judge: an answer
// to a question the form does not have is a validation error naming it,
// not a malformed body. org_code is refused outright: it comes from the
// applicant's token.
func (p *Patch) UnmarshalJSON(b []byte) error {
	typed := map[string]json.RawMessage{}
	rest, err := others(b, typed)
	if err != nil {
		return err
	}
	if _, ok := rest["org_code"]; ok {
		return fmt.Errorf(`json: unknown field "org_code"`)
	}
	var f patchFields
	if len(typed) > 0 {
		tb, err := json.Marshal(typed)
		if err != nil {
			return err
		}
		dec := json.NewDecoder(bytes.NewReader(tb))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return err
		}
	}
	f.Answers = rest
	*p = Patch(f)
	return nil
}

// others splits a JSON object's members into typed (when not nil) and the
// rest, which it returns compacted; nil when there are none.
func others(b []byte, typed map[string]json.RawMessage) (map[string]json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	var rest map[string]json.RawMessage
	for k, v := range all {
		if Typed(k) && k != "org_code" {
			if typed != nil {
				typed[k] = v
			}
			continue
		}
		if k == "org_code" && typed == nil {
			continue // Content's own typed member
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return nil, err
		}
		if rest == nil {
			rest = map[string]json.RawMessage{}
		}
		rest[k] = buf.Bytes()
	}
	return rest, nil
}

// withAnswers appends answers to the JSON object b, in id order.
func withAnswers(b []byte, answers map[string]json.RawMessage) ([]byte, error) {
	if len(answers) == 0 {
		return b, nil
	}
	out := bytes.NewBuffer(b[: len(b)-1 : len(b)-1])
	first := len(b) == 2 // "{}"
	for _, k := range slices.Sorted(maps.Keys(answers)) {
		if !first {
			out.WriteByte(',')
		}
		first = false
		key, _ := json.Marshal(k)
		out.Write(key)
		out.WriteByte(':')
		v := answers[k]
		if len(v) == 0 {
			v = json.RawMessage("null")
		}
		out.Write(v)
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// mergeAnswers applies a JSON merge patch (RFC 7396) of answers: null
// removes an answer, an object merges into an object answer member by
// member, anything else replaces. It never changes its arguments.
func mergeAnswers(to, patch map[string]json.RawMessage) map[string]json.RawMessage {
	out := maps.Clone(to)
	for k, v := range patch {
		merged, keep := mergeValue(out[k], v)
		if !keep {
			delete(out, k)
			continue
		}
		if out == nil {
			out = map[string]json.RawMessage{}
		}
		out[k] = merged
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// mergeValue is RFC 7396's MergePatch for one member; keep is false when
// the member is to be removed.
func mergeValue(target, patch json.RawMessage) (json.RawMessage, bool) {
	var p map[string]json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(patch), []byte("{")) && json.Unmarshal(patch, &p) == nil {
		var t map[string]json.RawMessage
		if !bytes.HasPrefix(bytes.TrimSpace(target), []byte("{")) || json.Unmarshal(target, &t) != nil {
			t = nil
		}
		m := mergeAnswers(t, p)
		if m == nil {
			m = map[string]json.RawMessage{}
		}
		b, _ := withAnswers([]byte("{}"), m)
		return b, true
	}
	if string(bytes.TrimSpace(patch)) == "null" {
		return nil, false
	}
	return slices.Clone(patch), true
}

// Shown is the content less the answers to questions f's conditions hide:
// what a submission keeps, so reviewers, letters and reports read only
// what the applicant was last asked.
func (c Content) Shown(f form.Form) Content {
	kept := f.Shown(c.AnswerSet())
	b, err := json.Marshal(kept)
	if err != nil {
		panic(err) // unreachable: answers are JSON already
	}
	var p Patch
	if err := json.Unmarshal(b, &p); err != nil {
		panic(err) // unreachable: AnswerSet wrote every member
	}
	return Content{OrgCode: c.OrgCode}.Apply(p)
}
