package password_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
)

func ExamplePolicy_Check() {
	policy := password.DefaultPolicy()
	user := password.UserInfo{Name: "Ada Lovelace", Email: "ada@example.com"}
	for _, candidate := range []string{"short", "adalovelace1", "aaaa1234", "Analytical Engine 1843"} {
		// A nil BreachChecker skips the pwned rule; pass
		// pwned.Checker{} to query Have I Been Pwned.
		issues, err := policy.Check(context.Background(), candidate, user, nil)
		if err != nil {
			log.Fatal(err)
		}
		if len(issues) == 0 {
			fmt.Printf("%q: accepted\n", candidate)
			continue
		}
		// The issues are the data of a 422 password.rejected error.
		data, err := json.Marshal(issues)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%q: %s\n", candidate, data)
	}
	// Output:
	// "short": [{"code":"password_rejected.too_short","interpolation":{"min":8}}]
	// "adalovelace1": [{"code":"password_rejected.restricted.user_info"}]
	// "aaaa1234": [{"code":"password_rejected.restricted.repetition"},{"code":"password_rejected.restricted.sequence"}]
	// "Analytical Engine 1843": accepted
}

// A sign-in with a digest imported from Logto: verify it, then replace it
// with an Argon2id digest while the password is at hand.
func ExampleHasher_NeedsRehash() {
	ctx := context.Background()
	hasher, err := password.New(password.Config{})
	if err != nil {
		log.Fatal(err)
	}

	// SHA-256 of "password", as Logto stores an imported SHA256 digest.
	digest, alg := "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", store.SHA256

	ok, err := hasher.Verify(ctx, "password", digest, alg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified:", ok)
	if ok && hasher.NeedsRehash(digest, alg) {
		if digest, alg, err = hasher.Hash(ctx, "password"); err != nil {
			log.Fatal(err)
		}
		// Store digest and alg on the user here.
	}
	fmt.Println("stored as:", alg, hasher.NeedsRehash(digest, alg))
	// Output:
	// verified: true
	// stored as: Argon2id false
}
