// Package apierror holds the one error type the library's use cases return,
// [Error], and the catalogue of every code it answers with (codes.go).
//
// # Why one type
//
// A front end written against Logto branches on the error code, so codes are
// part of the wire contract: "verification_record.not_found" must stay that
// string forever. An [Error] carries
//
//   - the code, Logto's where Logto has one;
//   - the HTTP status the contract pairs with it on the route at hand;
//   - a safe English message (translations, see Languages, are keyed by the
//     code);
//   - optional data and details members for the response body;
//   - a cause that is logged but never serialised.
//
// Catalogue entries are shared values; decorate them with the With… methods,
// which copy:
//
//	return apierror.Unauthorized.WithStatus(400)
//	return apierror.InvalidInput.WithParam("type", "body").WithDetails("email: expected string")
//
// errors.Is compares codes, so callers and tests match on the catalogue entry
// whatever its decoration. [From] turns anything that is not an [Error] into
// [Internal], a 500 whose body reveals nothing.
//
// # Languages
//
// The message of an error follows the request's Accept-Language; the code,
// the status, data and details never do, so a client that branches on
// codes sees no difference. A [Localizer] holds the languages: English (the
// catalogue's messages), and the translations in locales/*.json, one JSON
// object per language mapping each code to its message template, with the
// {{placeholders}} of the English template:
//
//   - fr (French), de (German, addressing the reader as "du"), pt-BR
//     (Brazilian Portuguese) and zh-TW (Traditional Chinese): the languages
//     of the guides the project was written from, whose terms they use.
//     Where Logto has a translation of a code, they keep its meaning.
//
// [Localizer.Match] picks the first preference of the Accept-Language list,
// in order of quality, that golang.org/x/text's matcher serves with high
// confidence: "fr-CA" gets French, "de-CH" German, "pt" and "pt-PT"
// Brazilian Portuguese, "zh-Hant", "zh-HK" and "zh-MO" Traditional
// Chinese; "zh-CN", "zh-Hans" and plain "zh" get English rather than a
// script their reader may not read, and so does anything unknown or
// malformed. [Localizer.Message] fills the chosen template with the
// error's params; a code a language lacks gets its English message. The
// 500 body stays generic in every language ("Erreur interne du serveur.").
// Details, and params that are English text (the details of
// request.invalid_input), are not translated; the library keeps other params
// language-neutral (numbers, identifiers).
//
// The HTTP adapter's error writer takes a *Localizer, [DefaultLocalizer]
// (built once from the embedded files) unless it is given another, and says
// which language it answered in with Content-Language. A host adds a
// language, or rewords a message, with [NewLocalizer]: its
// [LocalizerConfig.Messages] maps a tag to templates keyed by code, e.g. a
// map read from its own ja.json in the format of locales/fr.json.
// NewLocalizer refuses unknown codes and templates whose placeholders
// differ from the English ones, so a broken translation fails at start-up.
//
// Adding a built-in language is adding locales/<tag>.json (the file name is
// the canonical tag) and its tag to the test's list; the test fails while
// any code of [Catalogue] lacks a message in any built-in language, and a
// new code must come with its translations.
//
// # What never goes into an error
//
// Codes, passwords, TOTP secrets, backup codes and tokens are never
// interpolated into messages, details or causes: errors are logged.
package apierror
