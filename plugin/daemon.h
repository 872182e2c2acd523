/*
 * daemon.h - "cnauthz serve": the one daemon context, built in main, that
 * owns every long-lived thing (options, the rule set holder, the server),
 * and the signal loop that runs it.
 */
#ifndef CNZ_DAEMON_H
#define CNZ_DAEMON_H

/* "cnauthz serve ARGS" (or the bare options): runs the daemon. The exit
 * status. */
int daemon_main(int argc, char **argv);

#endif
