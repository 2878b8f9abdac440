package notify

import (
	"strings"
	"testing"
)

// Every language of the catalogue must be complete: a translation that
// forgets a type or a channel would silently fall back to English.
func TestCatalogueIsComplete(t *testing.T) {
	for _, lang := range catalogue() {
		if len(lang) == 0 {
			t.Fatal("a catalogue entry has no templates")
		}
		tag := lang[0].Locale
		have := map[string]bool{}
		for _, tpl := range lang {
			if tpl.Locale != tag {
				t.Errorf("%s: a template of %s is tagged %q", tag, tpl.Type, tpl.Locale)
			}
			if tpl.Subject == "" || tpl.Text == "" || tpl.HTML == "" || tpl.SMS == "" {
				t.Errorf("%s/%s: a text is missing", tag, tpl.Type)
			}
			if !strings.Contains(tpl.Text, "{{.Code}}") || !strings.Contains(tpl.HTML, "{{.Code}}") || !strings.Contains(tpl.SMS, "{{.Code}}") {
				t.Errorf("%s/%s: a body does not show the code", tag, tpl.Type)
			}
			have[string(tpl.Type)] = true
		}
		for _, typ := range templateTypes() {
			if !have[string(typ)] {
				t.Errorf("%s: no template for %s", tag, typ)
			}
		}
	}
}
