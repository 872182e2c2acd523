/*
 * ownercli.h - "cnauthz owners": who owns what, and an administrator's
 * assignments, through the running daemon's control socket
 * (DIR/control.sock, tenancy.h).
 *
 *   cnauthz owners [--state-dir DIR] list [--json]
 *   cnauthz owners [--state-dir DIR] set KIND REF OWNER [--ou OU]
 *   cnauthz owners [--state-dir DIR] unset KIND REF
 *
 * KIND is container, exec, volume, network or image; REF names the
 * object as dockerd would resolve it (an image by its tag); OWNER is a
 * CN or @local. list reads DIR/owners.json when no daemon answers.
 */
#ifndef CNZ_OWNERCLI_H
#define CNZ_OWNERCLI_H

/* "cnauthz owners ARGS": argv[0] is "owners". The exit status. */
int ownercli_main(int argc, char **argv);

#endif
