/*
 * replay.h - "cnauthz replay": judge recorded traffic against a rule set.
 *
 *   cnauthz replay --rules DIR [--diff OLD_DIR] FILE...
 *
 * Each line of FILE ("-": standard input) is dockerd's AuthZReq JSON, a
 * capture line ({"endpoint": ..., "body": AuthZReq}), or an audit record
 * (cnauthz's own log: every record serve writes is read). A record keeps
 * no body: where a rule needs one the request is "not judged", never
 * called denied; records of requests the daemon could not read or judge
 * are skipped saying why. Prints the decision for each and a summary;
 * with --diff, only the requests whose decision differs between OLD_DIR
 * and DIR, exiting 1 when one does (--exit-code: when one differs from
 * the record). This is how a change is tested against last week's
 * traffic, in CI too.
 */
#ifndef CNZ_REPLAY_H
#define CNZ_REPLAY_H

/* "cnauthz replay ARGS": argv[0] is "replay". The exit status. */
int replay_main(int argc, char **argv);

#endif
