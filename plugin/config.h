/* config.h - compile-time defaults (the Makefile may override them). */
#ifndef CNZ_CONFIG_H
#define CNZ_CONFIG_H

#ifndef CNAUTHZ_VERSION
#define CNAUTHZ_VERSION "0.1.0"
#endif
#ifndef CNAUTHZ_RULES_DIR
#define CNAUTHZ_RULES_DIR "/etc/cnauthz/rules"
#endif
#ifndef CNAUTHZ_SOCKET
#define CNAUTHZ_SOCKET "/run/docker/plugins/cnauthz.sock"
#endif
#ifndef CNAUTHZ_STATE_DIR
#define CNAUTHZ_STATE_DIR "/var/lib/cnauthz"
#endif
#ifndef CNAUTHZ_DOCKER_SOCKET
#define CNAUTHZ_DOCKER_SOCKET "/var/run/docker.sock"
#endif
#ifndef CNAUTHZ_MODULE_DIR
#define CNAUTHZ_MODULE_DIR "/usr/local/lib/cnauthz/modules"
#endif

#endif
