package notify

import (
	"slices"
	"strings"
	"testing"
)

// Every language of the catalogue must be complete: a translation that
// forgets a type or a channel would silently fall back to English.
func TestCatalogueIsComplete(t *testing.T) {
	var langs []string
	for _, lang := range catalogue() {
		if len(lang) == 0 {
			t.Fatal("a catalogue entry has no templates")
		}
		tag := lang[0].Locale
		langs = append(langs, tag)
		have := map[string]bool{}
		for _, tpl := range lang {
			if tpl.Locale != tag {
				t.Errorf("%s: a template of %s is tagged %q", tag, tpl.Type, tpl.Locale)
			}
			if have[string(tpl.Type)] {
				t.Errorf("%s: two templates for %s", tag, tpl.Type)
			}
			have[string(tpl.Type)] = true
			if tpl.Subject == "" || tpl.Text == "" || tpl.HTML == "" || tpl.SMS == "" {
				t.Errorf("%s/%s: a text is missing", tag, tpl.Type)
			}
			bodies := []string{tpl.Text, tpl.HTML, tpl.SMS}
			if !IsNotice(tpl.Type) {
				for _, b := range bodies {
					if !strings.Contains(b, "{{.Code}}") {
						t.Errorf("%s/%s: a body does not show the code", tag, tpl.Type)
					}
				}
				continue
			}
			// A notice says when, and what its type is about.
			want := []string{".Notice.At"}
			switch address, factor, target := noticeNeeds(tpl.Type); {
			case address:
				want = append(want, ".Notice.NewAddress")
			case factor:
				want = append(want, ".Notice.Factor")
			case target:
				want = append(want, ".Notice.Target")
			}
			for _, b := range bodies {
				if strings.Contains(b, ".Code") {
					t.Errorf("%s/%s: a notice shows a code", tag, tpl.Type)
				}
				for _, w := range want {
					if !strings.Contains(b, w) {
						t.Errorf("%s/%s: a body does not show %s", tag, tpl.Type, w)
					}
				}
			}
		}
		for _, typ := range templateTypes() {
			if !have[string(typ)] {
				t.Errorf("%s: no template for %s", tag, typ)
			}
		}
	}
	want := []string{"en", "fr", "de", "pt-BR", "zh-TW"}
	if !slices.Equal(langs, want) {
		t.Errorf("catalogue languages = %v, want %v (English first: it is the last fallback)", langs, want)
	}
}
