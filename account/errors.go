package account

import (
	"errors"

	"github.com/accountapi/accountapi/store"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
