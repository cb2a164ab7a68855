package email

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"pgregory.net/rapid"
)

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"asha.patel@nhs.net":                     true,
		"a+tag@wales.nhs.uk":                     true,
		"mary.o'brien@nhs.net":                   true,
		"x_y-z@a-b.example":                      true,
		"a!#$%&'*+/=?^_`{|}~-@x.org":             true,
		strings.Repeat("a", 64) + "@nhs.net":     true,
		strings.Repeat("a", 65) + "@nhs.net":     false,
		"a@" + strings.Repeat("b", 63) + ".net":  true,
		"a@" + strings.Repeat("b", 64) + ".net":  false,
		"a@" + strings.Repeat("b.", 125) + "uk":  true, // 254 characters
		"ab@" + strings.Repeat("b.", 125) + "uk": false,
		"Asha <asha@nhs.net>":                    false,
		" asha@nhs.net":                          false,
		"asha@nhs.net ":                          false,
		"asha@localhost":                         false,
		"asha@":                                  false,
		"@nhs.net":                               false,
		"asha@@nhs.net":                          false,
		"asha@nhs.net.":                          false,
		"asha@.nhs.net":                          false,
		"asha@nhs..net":                          false,
		"asha@-nhs.net":                          false,
		"asha@nhs-.net":                          false,
		".asha@nhs.net":                          false,
		"asha.@nhs.net":                          false,
		"as..ha@nhs.net":                         false,
		`"asha"@nhs.net`:                         false,
		"asha@[10.0.0.1]":                        false,
		"józef@nhs.net":                          false,
		"asha@nhs.net, other@nhs.net":            false,
		"asha@nhs.net\n":                         false,
		"":                                       false,
	} {
		if got := Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}

// address draws a string of the rule's shape, of any length: the lengths
// are where the regular expression and the rule part.
var address = rapid.StringMatching(Pattern)

// nearMiss is an address with one character put in, taken out or changed,
// from those that make or break an address, so that most draws lie close
// to the rule's edge on one side or the other.
var nearMiss = rapid.Custom(func(t *rapid.T) string {
	s := []rune(address.Draw(t, "address"))
	i := rapid.IntRange(0, len(s)).Draw(t, "at")
	c := rapid.RuneFrom([]rune(`.@-_+'"\ ()<>[],;:é{}|/`+"\t\nAz09")).Draw(t, "char")
	switch rapid.IntRange(0, 2).Draw(t, "edit") {
	case 0:
		s = append(s[:i], append([]rune{c}, s[i:]...)...)
	case 1:
		if i < len(s) {
			s = append(s[:i], s[i+1:]...)
		}
	default:
		if i < len(s) {
			s[i] = c
		}
	}
	return string(s)
})

// schema is the rule as the form's JSON schema states an email answer,
// compiled by a validator that asserts formats, as a client's may.
func schema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("email.json", map[string]any{
		"type": "string", "format": "email", "maxLength": MaxLen, "pattern": Pattern,
	}); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("email.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Every address the rule accepts also passes JSON Schema's "email" format,
// so keeping the format beside the pattern refuses nothing the rule takes.
func TestEveryValidAddressPassesTheEmailFormat(t *testing.T) {
	s := schema(t)
	rapid.Check(t, func(t *rapid.T) {
		a := address.Filter(Valid).Draw(t, "valid")
		if err := s.Validate(a); err != nil {
			t.Fatalf("%q is valid by the rule but not by the schema: %v", a, err)
		}
	})
}

// The schema (pattern, maxLength and the asserted format) accepts exactly
// what Valid does, on both sides of the rule's edge.
func TestTheSchemaStatesTheRule(t *testing.T) {
	s := schema(t)
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.OneOf(address, nearMiss).Draw(t, "string")
		if got, want := s.Validate(a) == nil, Valid(a); got != want {
			t.Fatalf("%q: the schema says %v, Valid %v", a, got, want)
		}
	})
}

// A JavaScript client reads Pattern as Go does, whichever flag its
// validator compiles patterns with. Node is what CI has for the browser
// test: locally a skip without it, under CI a failure.
func TestPatternReadsAlikeInECMAScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node not found; CI installs it for the browser test")
		}
		t.Skip("node not found; install nodejs to check the pattern in ECMAScript")
	}
	var inputs []string
	rapid.Check(t, func(t *rapid.T) {
		inputs = append(inputs, rapid.OneOf(address, nearMiss).Draw(t, "string"))
	})
	in, _ := json.Marshal(map[string]any{"pattern": Pattern, "inputs": inputs})
	cmd := exec.Command(node, "-e", `
		const {pattern, inputs} = JSON.parse(require("fs").readFileSync(0, "utf8"));
		const out = {};
		for (const flag of ["", "u", "v"]) {
			const re = new RegExp(pattern, flag);
			out[flag] = inputs.map(s => re.test(s));
		}
		process.stdout.write(JSON.stringify(out));`)
	cmd.Stdin = bytes.NewReader(in)
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got map[string][]bool
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for flag, matches := range got {
		for i, m := range matches {
			if want := pattern.MatchString(inputs[i]); m != want {
				t.Errorf("flag %q: %q matches %v in ECMAScript, %v in Go", flag, inputs[i], m, want)
			}
		}
	}
	if len(got) != 3 || len(got["v"]) != len(inputs) {
		t.Fatalf("node answered %d flags", len(got))
	}
}
