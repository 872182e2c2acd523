/*
 * t-hostaccess.c - the "hostaccess" module (mod_hostaccess.c) through decide():
 * with the repository's rules/ ("client" includes @developer, whose first
 * line is "requisite hostaccess"; "admin" allows everything), every way a
 * request can give a container, an exec, a build, a volume, a network or a
 * plugin the host is denied to client with a message naming the field,
 * and allowed to admin. Then the allow-* options, the check names and the
 * init errors, with rule files in a temporary directory (which also holds
 * the symlinks the bind tests need).
 */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decide.h"
#include "owners.h"
#include "ruleset.h"
#include "tap.h"
#include "testlib.h"

/* One AuthZReq as dockerd sends it: a JSON body goes with its headers. */
static void judge(struct ruleset *rs, const char *cn, const char *method,
		  const char *uri, const char *body, struct verdict *v)
{
	json_t *h = json_object();
	char *text, len[32];

	if (body != NULL) {
		snprintf(len, sizeof len, "%zu", strlen(body));
		json_object_set_new(h, "Content-Type",
				    json_string("application/json"));
		json_object_set_new(h, "Content-Length", json_string(len));
	} else { /* as dockerd's Go client sends a bodiless POST */
		json_object_set_new(h, "Content-Length", json_string("0"));
	}
	text = authz_req_text(&(struct authz_req){
		.user = cn,
		.method = method,
		.uri = uri,
		.headers = h,
		.body = body,
		.bodylen = body != NULL ? strlen(body) : 0,
	});
	judge_text(rs, cn, text, v);
	free(text);
}

static struct ruleset *repo;
static char last_msg[1024]; /* client's message in the last denied() */

/* client is denied with field in the message; admin is allowed. */
static void denied(const char *method, const char *uri, const char *body,
		   const char *field, const char *name)
{
	struct verdict v;

	judge(repo, "client", method, uri, body, &v);
	ok(!v.allow, "client: %s is denied", name);
	like(v.msg, field, "... naming %s", field);
	snprintf(last_msg, sizeof last_msg, "%s", v.msg);
	judge(repo, "admin", method, uri, body, &v);
	if (!ok(v.allow, "admin: %s is allowed", name))
		diag("%s", v.msg);
}

static void allowed(const char *method, const char *uri, const char *body,
		    const char *name)
{
	struct verdict v;

	judge(repo, "client", method, uri, body, &v);
	if (!ok(v.allow, "client: %s is allowed", name))
		diag("%s", v.msg);
}

/* A container create whose HostConfig holds hc. */
static const char *create(const char *hc)
{
	static char buf[8][4096];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof buf[i],
		 "{\"Image\":\"tiny\",\"Cmd\":[\"sh\"],\"HostConfig\":{"
		 "\"NetworkMode\":\"default\",%s}}",
		 hc);
	return buf[i];
}

#define CREATE "/v1.41/containers/create"

static void test_create(void)
{
	allowed("POST", CREATE, create("\"Privileged\":false"),
		"an ordinary create");
	allowed("POST", CREATE,
		create("\"Binds\":null,\"CapAdd\":null,\"Devices\":[],"
		       "\"SecurityOpt\":null,\"MaskedPaths\":null,"
		       "\"ReadonlyPaths\":null,\"Runtime\":\"runc\","
		       "\"CgroupParent\":\"\",\"VolumesFrom\":null,"
		       "\"Sysctls\":{},\"PidMode\":\"\",\"IpcMode\":\"private\","
		       "\"VolumeDriver\":\"\""),
		"a create with every field at its harmless value");
	denied("POST", CREATE, create("\"Privileged\":true"),
	       "HostConfig.Privileged is true", "Privileged");
	denied("POST", CREATE, create("\"CapAdd\":[\"CHOWN\",\"SYS_ADMIN\"]"),
	       "HostConfig.CapAdd adds CHOWN", "CapAdd without CAP_");
	denied("POST", CREATE, create("\"CapAdd\":[\"CAP_SYS_ADMIN\"]"),
	       "HostConfig.CapAdd adds CAP_SYS_ADMIN", "CapAdd with CAP_");
	denied("POST", CREATE, create("\"CapAdd\":[\"all\"]"),
	       "HostConfig.CapAdd adds all", "CapAdd all");
	denied("POST", CREATE, create("\"CapAdd\":\"NET_ADMIN\""),
	       "HostConfig.CapAdd is set", "CapAdd as one string");
	denied("POST", CREATE, create("\"Capabilities\":[\"CAP_CHOWN\"]"),
	       "HostConfig.Capabilities replaces the capability set",
	       "Capabilities");
	denied("POST", CREATE,
	       "{\"Image\":\"tiny\",\"HostConfig\":{\"NetworkMode\":\"host\"}}",
	       "HostConfig.NetworkMode is \"host\"", "NetworkMode host");
	/* another container's namespaces: @developer leaves them to the
	 * owner module (allow-join=namespaces); db is admin's, web client's */
	denied("POST", CREATE,
	       "{\"Image\":\"tiny\",\"HostConfig\":{\"NetworkMode\":\"container:db\"}}",
	       "HostConfig.NetworkMode: container db (db0db0db0db0) belongs to admin",
	       "NetworkMode container:x");
	allowed("POST", CREATE,
		"{\"Image\":\"tiny\",\"HostConfig\":{\"NetworkMode\":\"container:web\"}}",
		"NetworkMode container: of one's own");
	denied("POST", CREATE, create("\"PidMode\":\"host\""),
	       "HostConfig.PidMode is \"host\"", "PidMode host");
	denied("POST", CREATE, create("\"PidMode\":\"container:db\""),
	       "HostConfig.PidMode: container db", "PidMode container:x");
	denied("POST", CREATE, create("\"IpcMode\":\"host\""),
	       "HostConfig.IpcMode is \"host\"", "IpcMode host");
	denied("POST", CREATE, create("\"IpcMode\":\"container:db\""),
	       "HostConfig.IpcMode: container db", "IpcMode container:x");
	denied("POST", CREATE, create("\"UTSMode\":\"host\""),
	       "HostConfig.UTSMode is \"host\"", "UTSMode host");
	denied("POST", CREATE, create("\"UsernsMode\":\"host\""),
	       "HostConfig.UsernsMode is \"host\"", "UsernsMode host");
	denied("POST", CREATE, create("\"CgroupnsMode\":\"host\""),
	       "HostConfig.CgroupnsMode is \"host\"", "CgroupnsMode host");
	allowed("POST", CREATE, create("\"CgroupnsMode\":\"private\""),
		"CgroupnsMode private");
	denied("POST", CREATE,
	       create("\"Devices\":[{\"PathOnHost\":\"/dev/sda\","
		      "\"PathInContainer\":\"/dev/sda\",\"CgroupPermissions\":\"rwm\"}]"),
	       "HostConfig.Devices gives host device /dev/sda", "Devices");
	denied("POST", CREATE,
	       create("\"DeviceRequests\":[{\"Driver\":\"nvidia\",\"Count\":-1,"
		      "\"Capabilities\":[[\"gpu\"]]}]"),
	       "HostConfig.DeviceRequests asks for host devices", "DeviceRequests");
	denied("POST", CREATE, create("\"DeviceCgroupRules\":[\"c 1:3 mr\"]"),
	       "HostConfig.DeviceCgroupRules opens host devices",
	       "DeviceCgroupRules");
	denied("POST", CREATE, create("\"SecurityOpt\":[\"seccomp=unconfined\"]"),
	       "HostConfig.SecurityOpt sets \"seccomp=unconfined\"",
	       "seccomp=unconfined");
	denied("POST", CREATE, create("\"SecurityOpt\":[\"seccomp:unconfined\"]"),
	       "HostConfig.SecurityOpt sets \"seccomp:unconfined\"",
	       "seccomp:unconfined");
	denied("POST", CREATE, create("\"SecurityOpt\":[\"apparmor=unconfined\"]"),
	       "HostConfig.SecurityOpt sets \"apparmor=unconfined\"",
	       "apparmor=unconfined");
	denied("POST", CREATE, create("\"SecurityOpt\":[\"label=disable\"]"),
	       "HostConfig.SecurityOpt sets \"label=disable\"", "label=disable");
	denied("POST", CREATE, create("\"SecurityOpt\":[\"label:disable\"]"),
	       "HostConfig.SecurityOpt sets \"label:disable\"", "label:disable");
	denied("POST", CREATE,
	       create("\"SecurityOpt\":[\"systempaths=unconfined\"]"),
	       "HostConfig.SecurityOpt sets \"systempaths=unconfined\"",
	       "systempaths=unconfined");
	denied("POST", CREATE,
	       create("\"SecurityOpt\":[\"no-new-privileges\","
		      "\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\"}\"]"),
	       "HostConfig.SecurityOpt sets \"seccomp={\"defaultAction\"",
	       "a custom seccomp profile (after no-new-privileges)");
	denied("POST", CREATE, create("\"SecurityOpt\":\"label=disable\""),
	       "HostConfig.SecurityOpt is set", "SecurityOpt as one string");
	allowed("POST", CREATE, create("\"SecurityOpt\":[\"no-new-privileges\"]"),
		"SecurityOpt no-new-privileges");
	allowed("POST", CREATE,
		create("\"SecurityOpt\":[\"no-new-privileges:true\","
		       "\"no-new-privileges=true\"]"),
		"SecurityOpt no-new-privileges:true and =true");
	denied("POST", CREATE, create("\"MaskedPaths\":[]"),
	       "HostConfig.MaskedPaths overrides the masked /proc paths",
	       "MaskedPaths []");
	denied("POST", CREATE, create("\"ReadonlyPaths\":[]"),
	       "HostConfig.ReadonlyPaths overrides the read-only /proc paths",
	       "ReadonlyPaths []");
	denied("POST", CREATE,
	       create("\"Sysctls\":{\"kernel.shm_rmid_forced\":\"1\"}"),
	       "HostConfig.Sysctls sets kernel.shm_rmid_forced", "Sysctls");
	denied("POST", CREATE, create("\"Runtime\":\"kata\""),
	       "HostConfig.Runtime is \"kata\"", "Runtime other than runc");
	denied("POST", CREATE, create("\"Binds\":[\"/:/host\"]"),
	       "HostConfig.Binds binds host path /", "Binds /:/host");
	denied("POST", CREATE, create("\"Binds\":[\"v1:/data\",\"/etc:/x:ro\"]"),
	       "HostConfig.Binds binds host path /etc", "Binds /etc:/x:ro");
	denied("POST", CREATE, create("\"Binds\":[\"/srv/data/../../etc:/x\"]"),
	       "HostConfig.Binds binds host path /srv/data/../../etc (resolved: /etc)",
	       "Binds /srv/data/../../etc:/x");
	denied("POST", CREATE, create("\"Binds\":[\"//etc//:/x\"]"),
	       "(resolved: /etc)", "Binds //etc//:/x");
	denied("POST", CREATE, create("\"Binds\":[\"/etc\"]"),
	       "HostConfig.Binds binds host path /etc",
	       "Binds of a single absolute path");
	denied("POST", CREATE, create("\"Binds\":[\"./etc:/x\"]"),
	       "HostConfig.Binds has a relative host path ./etc",
	       "Binds with a relative path");
	allowed("POST", CREATE, create("\"Binds\":[\"v1:/data\",\"v2:/x:ro\"]"),
		"Binds of named volumes");
	denied("POST", CREATE,
	       create("\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/\","
		      "\"Target\":\"/h\"}]"),
	       "HostConfig.Mounts (type bind) binds host path /",
	       "Mounts type bind");
	denied("POST", CREATE,
	       create("\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"v\","
		      "\"Target\":\"/d\",\"VolumeOptions\":{\"DriverConfig\":{"
		      "\"Name\":\"local\",\"Options\":{\"type\":\"none\","
		      "\"o\":\"bind\",\"device\":\"/\"}}}}]"),
	       "HostConfig.Mounts volume options binds host path /",
	       "Mounts type volume with local bind options");
	denied("POST", CREATE,
	       create("\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"v\","
		      "\"Target\":\"/d\",\"VolumeOptions\":{\"DriverConfig\":{"
		      "\"Options\":{\"type\":\"none\",\"o\":\"rbind\","
		      "\"device\":\"etc\"}}}}]"),
	       "HostConfig.Mounts volume options mounts a host path",
	       "Mounts type volume binding a relative device");
	allowed("POST", CREATE,
		create("\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/t\"},"
		       "{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/d\"}]"),
		"Mounts of type tmpfs and a plain volume");
	denied("POST", CREATE,
	       create("\"Mounts\":[{\"Type\":\"npipe\",\"Source\":\"x\","
		      "\"Target\":\"/x\"}]"),
	       "HostConfig.Mounts has type \"npipe\"", "Mounts of an unknown type");
	denied("POST", CREATE, create("\"Mounts\":[{\"Target\":\"/x\"}]"),
	       "HostConfig.Mounts has an entry without a Type",
	       "Mounts without a Type");
	denied("POST", CREATE, create("\"VolumesFrom\":[\"db\"]"),
	       "HostConfig.VolumesFrom: container db (db0db0db0db0) belongs to admin",
	       "VolumesFrom");
	allowed("POST", CREATE, create("\"VolumesFrom\":[\"web:ro\"]"),
		"VolumesFrom one's own container");
	denied("POST", CREATE, create("\"CgroupParent\":\"/\""),
	       "HostConfig.CgroupParent places it in a host cgroup (/)",
	       "CgroupParent");
	denied("POST", CREATE, "{\"Image\":\"tiny\",\"HostConfig\":\"x\"}",
	       "HostConfig is not an object", "a HostConfig that is a string");
	/* odd letter case is read as dockerd reads it */
	denied("POST", CREATE,
	       "{\"Image\":\"tiny\",\"hostconfig\":{\"privileged\":true}}",
	       "HostConfig.Privileged is true", "hostconfig.privileged");
	denied("POST", CREATE,
	       "{\"Image\":\"tiny\",\"Ho\xc5\xbftConfig\":{\"NetworKMode\":\"HOST\"}}",
	       "HostConfig.NetworkMode is \"host\"", "HoſtConfig.NetworKMode");
	/* a body dockerd would read differently: unjudgeable */
	denied("POST", CREATE,
	       "{\"Image\":\"tiny\",\"HostConfig\":{\"Privileged\":false,"
	       "\"privileged\":true}}",
	       "cannot be inspected", "a folded duplicate in HostConfig");
	denied("POST", CREATE, NULL, "not available for inspection",
	       "a create without its body");
}

/* dockerd's ContainerConfigWrapper also embeds HostConfig at the top
 * level and uses it when "HostConfig" is absent or null. */
static void test_top_level(void)
{
	denied("POST", CREATE, "{\"Image\":\"tiny\",\"Privileged\":true}",
	       "top-level Privileged is true",
	       "top-level Privileged without HostConfig");
	denied("POST", CREATE,
	       "{\"Image\":\"tiny\",\"HostConfig\":null,\"Binds\":[\"/:/h\"]}",
	       "top-level Binds binds host path /",
	       "top-level Binds with HostConfig null");
	denied("POST", CREATE,
	       "{\"Image\":\"tiny\",\"NetworkMode\":\"host\",\"PidMode\":\"host\"}",
	       "top-level NetworkMode is \"host\"", "top-level NetworkMode");
	denied("POST", CREATE,
	       "{\"Image\":\"tiny\",\"Devices\":[{\"PathOnHost\":\"/dev/mem\"}]}",
	       "top-level Devices gives host device /dev/mem",
	       "top-level Devices (of Resources)");
	denied("POST", CREATE, "{\"Image\":\"tiny\",\"capadd\":[\"SYS_ADMIN\"]}",
	       "top-level CapAdd adds SYS_ADMIN", "top-level capadd");
	allowed("POST", CREATE,
		"{\"Image\":\"tiny\",\"HostConfig\":{},\"Privileged\":true}",
		"a top-level Privileged beside a HostConfig (dockerd ignores it)");
	denied("POST", CREATE,
	       "{\"Image\":\"tiny\",\"HostConfig\":{},\"VolumeDriver\":\"rexray\"}",
	       "top-level VolumeDriver uses volume driver \"rexray\"",
	       "a top-level VolumeDriver beside a HostConfig (dockerd copies it)");
	denied("POST", CREATE, create("\"VolumeDriver\":\"rexray\""),
	       "HostConfig.VolumeDriver uses volume driver \"rexray\"",
	       "HostConfig.VolumeDriver");
	allowed("POST", CREATE, create("\"VolumeDriver\":\"local\""),
		"HostConfig.VolumeDriver local");
	allowed("POST", CREATE, "{\"Image\":\"tiny\",\"Cmd\":[\"sh\"]}",
		"a create with neither HostConfig nor host fields");
}

static void test_other_endpoints(void)
{
	const char *vol = "/v1.41/volumes/create", *net = "/v1.41/networks/create";

	denied("POST", "/v1.41/containers/web/update",
	       "{\"Devices\":[{\"PathOnHost\":\"/dev/sda\"}]}",
	       "Devices gives host device /dev/sda", "update with Devices");
	denied("POST", "/v1.41/containers/web/update", "{\"CgroupParent\":\"/\"}",
	       "CgroupParent places it in a host cgroup", "update with CgroupParent");
	denied("POST", "/v1.41/containers/web/exec",
	       "{\"Privileged\":true,\"Cmd\":[\"sh\"]}", "exec Privileged is true",
	       "exec Privileged");
	denied("POST", "/v1.41/containers/web/exec",
	       "{\"User\":\"root\",\"Cmd\":[\"sh\"]}",
	       "exec User chooses the user \"root\"", "exec User");
	allowed("POST", "/v1.41/containers/web/exec",
		"{\"User\":\"\",\"Privileged\":false,\"Cmd\":[\"/bin/echo\",\"x\"]}",
		"an ordinary exec");
	denied("POST", vol,
	       "{\"Name\":\"v\",\"Driver\":\"local\",\"DriverOpts\":{"
	       "\"type\":\"none\",\"o\":\"bind\",\"device\":\"/\"}}",
	       "volume DriverOpts binds host path /", "volume create binding /");
	denied("POST", vol, "{\"Name\":\"v\",\"Driver\":\"rexray\"}",
	       "volume Driver uses volume driver \"rexray\"",
	       "volume create with a non-local driver");
	denied("POST", vol,
	       "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"proc\","
	       "\"device\":\"proc\"}}",
	       "volume DriverOpts mounts a file system of type \"proc\"",
	       "volume create mounting procfs");
	denied("POST", vol,
	       "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"sysfs\","
	       "\"device\":\"sysfs\"}}",
	       "mounts a file system of type \"sysfs\"",
	       "volume create mounting sysfs");
	denied("POST", vol,
	       "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"devtmpfs\","
	       "\"device\":\"devtmpfs\"}}",
	       "mounts a file system of type \"devtmpfs\"",
	       "volume create mounting devtmpfs (the host's devices)");
	denied("POST", vol,
	       "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"overlay\","
	       "\"device\":\"overlay\",\"o\":\"lowerdir=/etc,upperdir=/tmp/u,"
	       "workdir=/tmp/w\"}}",
	       "mounts a file system of type \"overlay\"",
	       "volume create of an overlay over /etc");
	denied("POST", vol,
	       "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"ext4\","
	       "\"device\":\"/dev/sda1\"}}",
	       "volume DriverOpts mounts a file system of type \"ext4\"",
	       "volume create mounting a host disk");
	allowed("POST", vol,
		"{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"tmpfs\","
		"\"device\":\"tmpfs\",\"o\":\"size=100m,uid=1000\"}}",
		"volume create of a tmpfs");
	denied("POST", vol,
	       "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"nfs\","
	       "\"device\":\":/export\",\"o\":\"addr=10.0.0.1,rw\"}}",
	       "volume DriverOpts mounts a file system of type \"nfs\"",
	       "volume create of an NFS mount (dockerd mounts it as root)");
	allowed("POST", vol, "{\"Driver\":\"local\",\"Name\":\"v1\"}",
		"the capture's volume create");
	denied("POST", net, "{\"Name\":\"n\",\"Driver\":\"macvlan\"}",
	       "network Driver \"macvlan\" can reach the host's network",
	       "network create with macvlan");
	denied("POST", net,
	       "{\"Name\":\"n\",\"Driver\":\"bridge\",\"Options\":{\"parent\":\"eth0\"}}",
	       "network Options.parent attaches to a host interface",
	       "network create with Options parent");
	denied("POST", net,
	       "{\"Name\":\"n\",\"Options\":{\"com.docker.network.bridge.name\":\"docker0\"}}",
	       "network Options.com.docker.network.bridge.name",
	       "network create on a host bridge");
	denied("POST", net, "{\"Name\":\"n\",\"ConfigFrom\":{\"Network\":\"x\"}}",
	       "network ConfigFrom/ConfigOnly is set", "network ConfigFrom");
	allowed("POST", net, "{\"Name\":\"n\",\"Driver\":\"bridge\"}",
		"network create with bridge");
	allowed("POST", net, "{\"Name\":\"n\"}", "network create, no driver");
	denied("POST", "/v1.41/build?networkmode=host&t=x", NULL,
	       "build networkmode \"host\" reaches the host's network",
	       "build with networkmode=host");
	denied("POST", "/v1.41/build?networkmode=container:web", NULL,
	       "build networkmode \"container:web\"",
	       "build with networkmode=container:x");
	/* hostaccess lets these through; @developer then allows no build */
	denied("POST", "/v1.41/build?networkmode=bridge&t=x", NULL,
	       "no rule in client allows it", "build with networkmode=bridge");
	denied("POST", "/v1.41/build?t=x", NULL, "no rule in client allows it",
	       "build without networkmode");
	denied("POST", "/v1.41/build?networkmode=bridge;networkmode=host", NULL,
	       "query string cannot be read as dockerd reads it",
	       "build with a ';' in the query");
	denied("POST", "/v1.41/plugins/pull?remote=vieux/sshfs", NULL,
	       "plugin management (POST /plugins/pull)", "plugin pull");
	denied("POST", "/v1.41/plugins/create?name=p", NULL,
	       "plugin management (POST /plugins/create)", "plugin create");
	denied("POST", "/v1.41/plugins/vieux/sshfs:latest/enable", NULL,
	       "plugin management (POST /plugins/vieux/sshfs:latest/enable)",
	       "plugin enable");
	denied("POST", "/v1.41/plugins/p/disable", NULL,
	       "plugin management (POST /plugins/p/disable)", "plugin disable");
	denied("POST", "/v1.41/plugins/p/upgrade?remote=x", NULL,
	       "plugin management (POST /plugins/p/upgrade)", "plugin upgrade");
	denied("POST", "/v1.41/plugins/p/set", NULL,
	       "plugin management (POST /plugins/p/set)", "plugin set");
	denied("POST", "/v1.41/plugins/p/push", NULL,
	       "plugin management (POST /plugins/p/push)", "plugin push");
	denied("DELETE", "/v1.41/plugins/p?force=1", NULL,
	       "plugin management (DELETE /plugins/p)", "plugin remove");
	allowed("GET", "/v1.41/plugins", NULL, "plugin ls");
	allowed("GET", "/v1.41/plugins/privileges?remote=x", NULL,
		"plugin privileges");
}

/* Reached only by the catalogue of issue 11: logging, OOM, ports,
 * annotations, network file systems, checkpoints, the legacy start body,
 * registries on the host itself. */
static void test_catalogue(void)
{
	const char *vol = "/v1.41/volumes/create";
	char body[512];

	denied("POST", CREATE,
	       create("\"LogConfig\":{\"Type\":\"syslog\",\"Config\":"
		      "{\"syslog-address\":\"unix:///run/systemd/journal/dev-log\"}}"),
	       "HostConfig.LogConfig.Type \"syslog\"", "LogConfig syslog");
	denied("POST", CREATE,
	       create("\"LogConfig\":{\"Type\":\"gelf\",\"Config\":{}}"),
	       "LogConfig.Type \"gelf\"", "LogConfig gelf");
	denied("POST", CREATE,
	       create("\"LogConfig\":{\"Type\":\"\",\"Config\":"
		      "{\"syslog-address\":\"tcp://127.0.0.1:25\"}}"),
	       "LogConfig.Config sets \"syslog-address\"",
	       "the daemon's default driver with an address option");
	denied("POST", CREATE,
	       create("\"LogConfig\":{\"Type\":\"json-file\",\"Config\":"
		      "{\"fluentd-address\":\"127.0.0.1:24224\"}}"),
	       "LogConfig.Config sets \"fluentd-address\"",
	       "json-file with an option it does not know");
	denied("POST", CREATE, create("\"LogConfig\":\"syslog\""),
	       "LogConfig is not an object", "LogConfig as a string");
	denied("POST", CREATE, create("\"LogConfig\":{\"Type\":1}"),
	       "LogConfig.Type is not a string", "LogConfig.Type as a number");
	denied("POST", CREATE, create("\"LogConfig\":{\"Type\":\"JSON-FILE\"}"),
	       "LogConfig.Type \"JSON-FILE\"",
	       "a driver name in another case (dockerd's names are exact)");
	allowed("POST", CREATE,
		create("\"LogConfig\":{\"Type\":\"json-file\",\"Config\":"
		       "{\"max-size\":\"10m\",\"max-file\":\"3\",\"tag\":\"x\"}}"),
		"LogConfig json-file with rotation");
	allowed("POST", CREATE,
		create("\"LogConfig\":{\"Type\":\"local\",\"Config\":null}"),
		"LogConfig local");
	allowed("POST", CREATE, create("\"LogConfig\":{\"Type\":\"none\"}"),
		"LogConfig none");
	allowed("POST", CREATE, create("\"LogConfig\":{\"Type\":\"\",\"Config\":{}}"),
		"LogConfig as the docker CLI sends it");

	denied("POST", CREATE, create("\"OomScoreAdj\":-1000"),
	       "HostConfig.OomScoreAdj is -1000", "a negative OomScoreAdj");
	denied("POST", CREATE, create("\"OomScoreAdj\":\"-1\""),
	       "OomScoreAdj is not an integer", "OomScoreAdj as a string");
	allowed("POST", CREATE, create("\"OomScoreAdj\":500"),
		"a positive OomScoreAdj");
	denied("POST", CREATE, create("\"OomKillDisable\":true"),
	       "HostConfig.OomKillDisable", "OomKillDisable");
	allowed("POST", CREATE, create("\"OomKillDisable\":false"),
		"OomKillDisable false");
	denied("POST", "/v1.41/containers/x/update", "{\"OomKillDisable\":true}",
	       "OomKillDisable", "update with OomKillDisable");

	denied("POST", CREATE,
	       create("\"PortBindings\":{\"22/tcp\":[{\"HostIp\":\"\","
		      "\"HostPort\":\"22\"}]}"),
	       "PortBindings binds host port 22", "a host port below 1024");
	denied("POST", CREATE,
	       create("\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"1000-1100\"}]}"),
	       "binds host port 1000", "a host port range reaching below 1024");
	denied("POST", CREATE,
	       create("\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"+80\"}]}"),
	       "is not a port or range", "a HostPort Go would not read");
	denied("POST", CREATE, create("\"PortBindings\":[]"),
	       "PortBindings is not an object", "PortBindings as a list");
	allowed("POST", CREATE,
		create("\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\","
		       "\"HostPort\":\"8080\"}],\"81/tcp\":[{\"HostPort\":\"\"}],"
		       "\"82/tcp\":[{\"HostPort\":\"2000-2010\"}],\"83/tcp\":null}"),
		"host ports from 1024 up, and any free port");

	denied("POST", CREATE,
	       create("\"Annotations\":{\"org.systemd.property.ExecStopPost\":"
		      "\"['/bin/sh','-c','id']\"}"),
	       "HostConfig.Annotations sets \"org.systemd.property.ExecStopPost\"",
	       "Annotations");
	allowed("POST", CREATE, create("\"Annotations\":{}"), "no Annotations");
	denied("POST", CREATE, create("\"Cgroup\":\"container:db\""),
	       "HostConfig.Cgroup: container db", "Cgroup container:");

	denied("POST", vol,
	       "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"cifs\","
	       "\"device\":\"//10.0.0.1/s\",\"o\":\"addr=10.0.0.1\"}}",
	       "type \"cifs\"", "volume create of a CIFS mount");
	denied("POST", vol,
	       "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"tmpfs\","
	       "\"device\":\"tmpfs\",\"o\":\"size=1m,addr=127.0.0.1\"}}",
	       "mounts from a network address", "an addr= option on any type");
	denied("POST", CREATE,
	       create("\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/m\","
		      "\"VolumeOptions\":{\"DriverConfig\":{\"Options\":"
		      "{\"type\":\"nfs4\",\"o\":\"addr=127.0.0.1\",\"device\":\":/\"}}}}]"),
	       "type \"nfs4\"", "an NFS volume made by a create's Mounts");

	/* start: checkpoints, and the legacy body */
	allowed("POST", "/v1.41/containers/web/start", NULL, "an ordinary start");
	denied("POST", "/v1.41/containers/web/start?checkpoint-dir=/etc", NULL,
	       "start checkpoint-dir restores a container from a host directory",
	       "start with checkpoint-dir");
	denied("POST", "/v1.41/containers/web/start?checkpoint=c1", NULL,
	       "start checkpoint restores", "start with checkpoint");
	denied("GET", "/v1.41/containers/web/checkpoints?dir=/", NULL,
	       "checkpoint dir names a host directory", "checkpoint ls with dir");
	denied("DELETE", "/v1.41/containers/web/checkpoints/c1?dir=/srv", NULL,
	       "checkpoint dir names a host directory", "checkpoint rm with dir");
	denied("POST", "/v1.41/containers/web/checkpoints",
	       "{\"CheckpointID\":\"c\",\"CheckpointDir\":\"/etc\"}",
	       "CheckpointDir names a host directory", "checkpoint create with a dir");
	for (int i = 0; i < 6; i++) {
		static const char *const bodies[][2] = {
			{"{\"PidMode\":\"host\",\"NetworkMode\":\"host\"}",
			 "top-level NetworkMode is \"host\""},
			{"{\"HostConfig\":{\"Privileged\":true}}",
			 "HostConfig.Privileged is true"},
			{"{\"Binds\":[\"/:/host\"]}", "binds host path /"},
			{"{\"CapAdd\":[\"SYS_ADMIN\"],\"SecurityOpt\":[\"seccomp=unconfined\"]}",
			 "CapAdd adds SYS_ADMIN"},
			{"{\"LogConfig\":{\"Type\":\"syslog\"}}", "LogConfig.Type"},
			{"{\"Devices\":[{\"PathOnHost\":\"/dev/sda\"}]}",
			 "Devices gives host device /dev/sda"},
		};
		const char *v = i % 2 ? "/v1.12" : "/v1.23";

		snprintf(body, sizeof body, "%s/containers/web/start", v);
		denied("POST", body, bodies[i][0], bodies[i][1],
		       "a legacy start body with host access");
		like(last_msg, i % 2 ? "start body at API 1.12 (below 1.24"
				     : "start body at API 1.23 (below 1.24",
		     "... named as a legacy start body");
	}
	denied("POST", "/v1.23/containers/web/start", "{\"VolumesFrom\":[\"db\"]}",
	       "top-level VolumesFrom: container db (db0db0db0db0) belongs to admin",
	       "a legacy start body with another's VolumesFrom");
	allowed("POST", "/v1.23/containers/web/start", NULL,
		"a legacy start without a body");
	allowed("POST", "/v1.23/containers/web/start", "{}",
		"a legacy start with an empty body");
	allowed("POST", "/v1.23/containers/web/start",
		"{\"HostConfig\":{\"Privileged\":false,\"NetworkMode\":\"none\"}}",
		"a legacy start with a harmless HostConfig");
	allowed("POST", "/v1.24/containers/web/start",
		"{\"Privileged\":true,\"PidMode\":\"host\"}",
		"a start body at 1.24, which dockerd refuses itself");
	for (int i = 0; i < 3; i++) {
		static const char *const cn[] = {"client", "admin"};
		static const char *const uri[] = {
			"/v1.023/containers/web/start",
			"/v01.23/containers/web/start",
			"/v1.23.0/containers/web/start",
		};
		struct verdict v;

		for (int c = 0; c < 2; c++) {
			judge(repo, cn[c], "POST", uri[i], "{\"Privileged\":true}", &v);
			ok(!v.allow && strstr(v.msg, "unknown API version spelling"),
			   "%s: %s is denied as an unknown version spelling",
			   cn[c], uri[i]);
		}
	}

	/* registries and URLs on the host itself */
	denied("POST", "/v1.41/images/create?fromImage=localhost:5000/x&tag=1",
	       NULL, "fromImage \"localhost:5000/x\" makes dockerd, as root, contact",
	       "a pull from a registry on localhost");
	denied("POST", "/v1.41/images/create?fromImage=127.1:5000/x", NULL,
	       "contact 127.1:5000", "a pull from 127.1");
	denied("POST", "/v1.41/images/create?fromImage=%5B::1%5D:5000/x", NULL,
	       "contact [::1]:5000", "a pull from [::1]");
	denied("POST", "/v1.41/images/create?fromImage=0x7f000001:5000/x", NULL,
	       "contact 0x7f000001", "a pull from 127.0.0.1 in hex");
	denied("POST", "/v1.41/images/create?fromImage=reg.localhost/x", NULL,
	       "contact reg.localhost", "a pull from *.localhost");
	denied("POST", "/v1.41/images/create?fromImage=169.254.169.254/x", NULL,
	       "contact 169.254.169.254", "a pull from a link-local address");
	allowed("POST", "/v1.41/images/create?fromImage=busybox&tag=latest", NULL,
		"a pull from Docker Hub");
	allowed("POST", "/v1.41/images/create?fromImage=registry.example.com/t/x",
		NULL, "a pull from a registry elsewhere");
	allowed("POST", "/v1.41/images/create?fromImage=localhostx/x", NULL,
		"a Docker Hub user named like localhost");
	denied("GET", "/v1.41/distribution/127.0.0.1:5000/x/json", NULL,
	       "distribution lookup of \"127.0.0.1:5000/x\"",
	       "a distribution lookup on the host");
	allowed("GET", "/v1.41/distribution/busybox/json", NULL,
		"a distribution lookup on Docker Hub");
	denied("GET", "/v1.41/images/search?term=localhost:5000/x", NULL,
	       "search term \"localhost:5000/x\"", "a search on the host's registry");
	allowed("GET", "/v1.41/images/search?term=busybox", NULL,
		"a search on Docker Hub");
	denied("GET", "/v1.41/plugins/privileges?remote=127.0.0.1:5000/p", NULL,
	       "plugin privileges of \"127.0.0.1:5000/p\"",
	       "plugin privileges from the host's registry");
	denied("POST", "/v1.41/auth", NULL, "registry login",
	       "a registry login, whose body no plugin sees");
	denied("POST", "/v1.41/build?remote=http://127.0.0.1:8080/c.tar", NULL,
	       "build remote \"http://127.0.0.1:8080/c.tar\"",
	       "a build context from the host's loopback");
	denied("POST", "/v1.41/build?cgroupparent=/system.slice", NULL,
	       "build cgroupparent", "a build in a host cgroup");
}

/* ---- options, checks and errors, in a temporary directory ---- */

static void allow_or_deny(struct ruleset *rs, const char *cn,
			  const char *method, const char *uri,
			  const char *body, const char *deny_with,
			  const char *name)
{
	struct verdict v;

	judge(rs, cn, method, uri, body, &v);
	if (deny_with == NULL) {
		if (!ok(v.allow, "%s: %s is allowed", cn, name))
			diag("%s", v.msg);
	} else {
		ok(!v.allow, "%s: %s is denied", cn, name);
		like(v.msg, deny_with, "... naming %s", deny_with);
	}
}

static const char *bind_body(const char *src)
{
	static char buf[4][PATH_MAX + 128];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i],
		 "{\"Image\":\"tiny\",\"HostConfig\":{\"Binds\":[\"%s:/x\"]}}",
		 src);
	return buf[i];
}

static void test_options(void)
{
	char text[4 * PATH_MAX], src[PATH_MAX];
	struct ruleset_opts o = {.insecure_permissions = true};
	struct ruleset *rs;
	const char *R = "rules";

	scratch_make("hostaccess");
	if (mkdir(scratch_at("rules"), 0755) < 0 ||
	    mkdir(scratch_at("allowed"), 0755) < 0 ||
	    mkdir(scratch_at("allowed/data"), 0755) < 0 ||
	    mkdir(scratch_at("other"), 0755) < 0)
		bail_errno("mkdir");
	if (symlink("/", scratch_at("allowed/root")) < 0 ||
	    symlink("../other", scratch_at("allowed/sib")) < 0 ||
	    symlink("root/etc", scratch_at("allowed/etc")) < 0 ||
	    symlink(scratch_at("allowed"), scratch_at("allowed-link")) < 0)
		bail_errno("symlink");
	(void)R;
	snprintf(text, sizeof text,
		 "requisite hostaccess allow-bind=%s allow-cap=NET_ADMIN "
		 "allow-device=/dev/fuse allow-sysctl=net.ipv4.ip_forward "
		 "allow-runtime=runsc allow-exec-user=1000 "
		 "allow-volume-driver=nfsplug allow-network-driver=macvlan\n"
		 "sufficient permit\n",
		 scratch_at("allowed"));
	put("rules/client", text);
	put("rules/ops",
	    "requisite hostaccess allow-log-driver=syslog "
	    "allow-log-opt=syslog-facility allow-annotation=com.example.team "
	    "allow-port=80 allow-port=443 allow-volume-type=nfs "
	    "allow-registry=localhost:5000\n"
	    "sufficient permit\n");
	put("rules/e6", "requisite hostaccess allow-port=1024\n");
	put("rules/nojoin", "requisite hostaccess\nsufficient permit\n");
	put("rules/join", "requisite hostaccess allow-join=namespaces "
			  "allow-join=volumes-from\nsufficient permit\n");
	put("rules/e7", "requisite hostaccess allow-join=links\n");
	snprintf(text, sizeof text,
		 "requisite hostaccess allow-bind=%s\nsufficient permit\n",
		 scratch_at("allowed-link"));
	put("rules/vialink", text);
	put("rules/privonly", "requisite hostaccess privileged\nsufficient permit\n");
	put("rules/execonly", "requisite hostaccess exec plugins\nsufficient permit\n");
	put("rules/e1", "requisite hostaccess bogus\n");
	put("rules/e2", "requisite hostaccess privileged allow-bind=\n");
	put("rules/e3", "requisite hostaccess allow-bind=relative/x\n");
	put("rules/e4", "requisite hostaccess allow-cap\n");
	put("rules/e5", "requisite   hostaccess  \"allow-sysctl=\"\n");
	rs = load_rules(scratch_at("rules"), &o);

	/* allow-bind, with symlinks */
	allow_or_deny(rs, "client", "POST", CREATE,
		      bind_body(scratch_at("allowed/data")),
		      NULL, "a bind of the allowed directory's data/");
	allow_or_deny(rs, "client", "POST", CREATE,
		      bind_body(scratch_at("allowed")),
		      NULL, "a bind of the allowed directory itself");
	allow_or_deny(rs, "client", "POST", CREATE,
		      bind_body(scratch_at("allowed/new/deeper")), NULL,
		      "a bind of a path not yet there");
	allow_or_deny(rs, "client", "POST", CREATE,
		      bind_body(scratch_at("/allowed/./data/")), NULL,
		      "a bind spelled with // and .");
	allow_or_deny(rs, "client", "POST", CREATE,
		      bind_body(scratch_at("allowed/root/../data")), NULL,
		      "root/../data: \"..\" is lexical, as dockerd cleans it");
	snprintf(src, sizeof src, "binds host path %s (resolved: /)",
		 scratch_at("allowed/root"));
	allow_or_deny(rs, "client", "POST", CREATE,
		      bind_body(scratch_at("allowed/root")), src,
		      "a bind of a symlink to / inside the allowed directory");
	allow_or_deny(rs, "client", "POST", CREATE,
		      bind_body(scratch_at("allowed/etc/ssl")), "(resolved: /etc/ssl)",
		      "a bind through a link to a link to /");
	snprintf(src, sizeof src, "(resolved: %s)", scratch_at("other/x"));
	allow_or_deny(rs, "client", "POST", CREATE,
		      bind_body(scratch_at("allowed/sib/x")), src,
		      "a bind through a link to a sibling directory");
	allow_or_deny(rs, "client", "POST", CREATE,
		      bind_body(scratch_at("allowed/../other")), "binds host path",
		      "a bind of ../other");
	allow_or_deny(rs, "client", "POST", CREATE,
		      bind_body(scratch_at("allowedx")),
		      "binds host path", "a bind of a name that only starts alike");
	allow_or_deny(rs, "client", "POST", CREATE,
		      bind_body(scratch_at("allowed-link/data")),
		      NULL, "a bind through a link to the allowed directory");
	allow_or_deny(rs, "vialink", "POST", CREATE,
		      bind_body(scratch_at("allowed/data")),
		      NULL, "allow-bind named through a link covers the target");
	allow_or_deny(rs, "vialink", "POST", CREATE,
		      bind_body(scratch_at("allowed/root")),
		      "(resolved: /)", "... and not a link out of it");
	snprintf(text, sizeof text,
		 "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"%s\","
		 "\"Target\":\"/x\"}]}}",
		 scratch_at("allowed/root/etc"));
	allow_or_deny(rs, "client", "POST", CREATE, text,
		      "HostConfig.Mounts (type bind) binds host path",
		      "Mounts type bind through a link to /");
	snprintf(text, sizeof text,
		 "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"%s\","
		 "\"Target\":\"/x\"}]}}",
		 scratch_at("allowed/data"));
	allow_or_deny(rs, "client", "POST", CREATE, text, NULL,
		      "Mounts type bind of the allowed directory");
	snprintf(text, sizeof text,
		 "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\","
		 "\"device\":\"%s\"}}",
		 scratch_at("allowed/data"));
	allow_or_deny(rs, "client", "POST", "/volumes/create", text, NULL,
		      "a local bind volume of the allowed directory");
	snprintf(text, sizeof text,
		 "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\","
		 "\"device\":\"%s\"}}",
		 scratch_at("allowed/root"));
	allow_or_deny(rs, "client", "POST", "/volumes/create", text,
		      "volume DriverOpts binds host path",
		      "a local bind volume of a link to /");
	snprintf(text, sizeof text,
		 "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"proc\","
		 "\"device\":\"%s\"}}",
		 scratch_at("allowed/data"));
	allow_or_deny(rs, "client", "POST", "/volumes/create", text,
		      "mounts a file system of type \"proc\"",
		      "procfs with an allowed path as its device");

	/* the other allow- options */
	allow_or_deny(rs, "client", "POST", CREATE,
		      "{\"HostConfig\":{\"CapAdd\":[\"NET_ADMIN\",\"cap_net_admin\"]}}",
		      NULL, "allow-cap=NET_ADMIN: CapAdd NET_ADMIN, cap_net_admin");
	allow_or_deny(rs, "client", "POST", CREATE,
		      "{\"HostConfig\":{\"CapAdd\":[\"NET_ADMIN\",\"SYS_ADMIN\"]}}",
		      "HostConfig.CapAdd adds SYS_ADMIN", "... but not SYS_ADMIN");
	allow_or_deny(rs, "client", "POST", CREATE,
		      "{\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/dev/fuse\","
		      "\"PathInContainer\":\"/dev/fuse\",\"CgroupPermissions\":\"rwm\"}]}}",
		      NULL, "allow-device=/dev/fuse: /dev/fuse");
	allow_or_deny(rs, "client", "POST", CREATE,
		      "{\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/dev/fuse\"},"
		      "{\"PathOnHost\":\"/dev/sda\"}]}}",
		      "Devices gives host device /dev/sda", "... but not /dev/sda");
	allow_or_deny(rs, "client", "POST", CREATE,
		      "{\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/dev/fuse/../sda\"}]}}",
		      "Devices gives host device /dev/fuse/../sda",
		      "... nor /dev/fuse/../sda");
	allow_or_deny(rs, "client", "POST", CREATE,
		      "{\"HostConfig\":{\"Devices\":[{\"PathInContainer\":\"/dev/x\"}]}}",
		      "Devices gives host device (unnamed)", "... nor no PathOnHost");
	allow_or_deny(rs, "client", "POST", "/containers/c/update",
		      "{\"Devices\":[{\"PathOnHost\":\"/dev/fuse\"}]}", NULL,
		      "... also in an update");
	allow_or_deny(rs, "client", "POST", CREATE,
		      "{\"HostConfig\":{\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\"}}}",
		      NULL, "allow-sysctl=net.ipv4.ip_forward");
	allow_or_deny(rs, "client", "POST", CREATE,
		      "{\"HostConfig\":{\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\","
		      "\"kernel.msgmax\":\"1\"}}}",
		      "HostConfig.Sysctls sets kernel.msgmax", "... not kernel.msgmax");
	allow_or_deny(rs, "client", "POST", CREATE,
		      "{\"HostConfig\":{\"Runtime\":\"runsc\"}}", NULL,
		      "allow-runtime=runsc");
	/* another container's namespaces and volumes: hostaccess denies
	 * them, unless allow-join leaves them to the owner module */
	for (int i = 0; i < 4; i++) {
		static const char *const f[] = {"NetworkMode", "PidMode",
						"IpcMode", "Cgroup"};
		char b[200], w[100];

		snprintf(b, sizeof b,
			 "{\"HostConfig\":{\"%s\":\"container:web\"}}", f[i]);
		snprintf(w, sizeof w, "HostConfig.%s joins another container",
			 f[i]);
		allow_or_deny(rs, "nojoin", "POST", CREATE, b, w,
			      "no allow-join: container:web");
		allow_or_deny(rs, "join", "POST", CREATE, b, NULL,
			      "allow-join=namespaces: container:web");
	}
	allow_or_deny(rs, "nojoin", "POST", CREATE,
		      "{\"HostConfig\":{\"VolumesFrom\":[\"web\"]}}",
		      "HostConfig.VolumesFrom mounts another container's volumes",
		      "no allow-join: VolumesFrom");
	allow_or_deny(rs, "join", "POST", CREATE,
		      "{\"HostConfig\":{\"VolumesFrom\":[\"web\"]}}", NULL,
		      "allow-join=volumes-from: VolumesFrom");
	allow_or_deny(rs, "join", "POST", CREATE,
		      "{\"HostConfig\":{\"PidMode\":\"host\"}}",
		      "HostConfig.PidMode is \"host\"",
		      "allow-join=namespaces still denies the host's");
	allow_or_deny(rs, "client", "POST", CREATE,
		      "{\"HostConfig\":{\"Runtime\":\"kata\"}}",
		      "HostConfig.Runtime is \"kata\"", "... not kata");
	allow_or_deny(rs, "client", "POST", "/containers/c/exec",
		      "{\"User\":\"1000\",\"Cmd\":[\"id\"]}", NULL,
		      "allow-exec-user=1000");
	allow_or_deny(rs, "client", "POST", "/containers/c/exec",
		      "{\"User\":\"0\",\"Cmd\":[\"id\"]}",
		      "exec User chooses the user \"0\"", "... not 0");
	allow_or_deny(rs, "client", "POST", "/containers/c/exec",
		      "{\"User\":\"1000\",\"Privileged\":true}",
		      "exec Privileged is true", "... nor a privileged exec as 1000");
	allow_or_deny(rs, "client", "POST", "/volumes/create",
		      "{\"Name\":\"v\",\"Driver\":\"nfsplug\"}", NULL,
		      "allow-volume-driver=nfsplug");
	allow_or_deny(rs, "client", "POST", "/volumes/create",
		      "{\"Name\":\"v\",\"Driver\":\"rexray\"}",
		      "volume Driver uses volume driver \"rexray\"", "... not rexray");
	allow_or_deny(rs, "client", "POST", CREATE,
		      "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"v\","
		      "\"Target\":\"/d\",\"VolumeOptions\":{\"DriverConfig\":"
		      "{\"Name\":\"nfsplug\"}}}]}}",
		      NULL, "... also in a Mounts DriverConfig");
	allow_or_deny(rs, "client", "POST", CREATE,
		      "{\"HostConfig\":{\"VolumeDriver\":\"nfsplug\",\"Binds\":[\"v:/d\"]}}",
		      NULL, "... and as HostConfig.VolumeDriver");
	allow_or_deny(rs, "client", "POST", "/networks/create",
		      "{\"Name\":\"n\",\"Driver\":\"macvlan\"}", NULL,
		      "allow-network-driver=macvlan");
	allow_or_deny(rs, "client", "POST", "/networks/create",
		      "{\"Name\":\"n\",\"Driver\":\"macvlan\",\"Options\":{\"parent\":\"eth0\"}}",
		      "network Options.parent", "... but still no parent option");
	allow_or_deny(rs, "client", "POST", "/networks/create",
		      "{\"Name\":\"n\",\"Driver\":\"ipvlan\"}",
		      "network Driver \"ipvlan\"", "... nor ipvlan");

	/* the catalogue's allow- options (ops) */
	allow_or_deny(rs, "ops", "POST", CREATE,
		      "{\"HostConfig\":{\"LogConfig\":{\"Type\":\"syslog\",\"Config\":"
		      "{\"syslog-facility\":\"daemon\",\"tag\":\"x\"}}}}", NULL,
		      "allow-log-driver=syslog, allow-log-opt=syslog-facility");
	allow_or_deny(rs, "ops", "POST", CREATE,
		      "{\"HostConfig\":{\"LogConfig\":{\"Type\":\"syslog\",\"Config\":"
		      "{\"syslog-address\":\"udp://10.0.0.1:514\"}}}}",
		      "LogConfig.Config sets \"syslog-address\"",
		      "... but not syslog-address");
	allow_or_deny(rs, "ops", "POST", CREATE,
		      "{\"HostConfig\":{\"LogConfig\":{\"Type\":\"gelf\"}}}",
		      "LogConfig.Type \"gelf\"", "... nor gelf");
	allow_or_deny(rs, "ops", "POST", CREATE,
		      "{\"HostConfig\":{\"Annotations\":{\"com.example.team\":\"a\"}}}",
		      NULL, "allow-annotation=com.example.team");
	allow_or_deny(rs, "ops", "POST", CREATE,
		      "{\"HostConfig\":{\"Annotations\":{\"com.example.team\":\"a\","
		      "\"org.systemd.property.CPUQuota\":\"1\"}}}",
		      "Annotations sets \"org.systemd.property.CPUQuota\"",
		      "... but not org.systemd.property.*");
	allow_or_deny(rs, "ops", "POST", CREATE,
		      "{\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":"
		      "\"80\"}],\"443/tcp\":[{\"HostPort\":\"443\"}]}}}", NULL,
		      "allow-port=80 allow-port=443");
	allow_or_deny(rs, "ops", "POST", CREATE,
		      "{\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":"
		      "\"80-81\"}]}}}", "binds host port 81", "... but not 81");
	allow_or_deny(rs, "ops", "POST", "/volumes/create",
		      "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"nfs\","
		      "\"device\":\":/export\",\"o\":\"addr=10.0.0.1\"}}", NULL,
		      "allow-volume-type=nfs");
	allow_or_deny(rs, "ops", "POST", "/volumes/create",
		      "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"cifs\","
		      "\"o\":\"addr=10.0.0.1\"}}", "type \"cifs\"", "... not cifs");
	allow_or_deny(rs, "ops", "POST",
		      "/images/create?fromImage=localhost:5000/team/app", NULL, NULL,
		      "allow-registry=localhost:5000");
	allow_or_deny(rs, "ops", "POST",
		      "/images/create?fromImage=127.0.0.1:5000/team/app", NULL,
		      "contact 127.0.0.1:5000", "... but not 127.0.0.1:5000");

	/* a container named across segments (a link alias "web/db"), as
	 * dockerd's {name:.*} routes it */
	allow_or_deny(rs, "ops", "POST", "/v1.23/containers/web/db/start",
		      "{\"Privileged\":true}", "top-level Privileged is true",
		      "a legacy start body for the container \"web/db\"");
	allow_or_deny(rs, "ops", "POST", "/v1.41/containers/web/db/exec",
		      "{\"Privileged\":true}", "exec Privileged is true",
		      "a privileged exec in \"web/db\"");
	allow_or_deny(rs, "ops", "POST", "/v1.41/containers/web/db/update",
		      "{\"OomKillDisable\":true}", "OomKillDisable",
		      "an update of \"web/db\"");
	allow_or_deny(rs, "ops", "POST",
		      "/v1.41/containers/web/db/start?checkpoint-dir=/x", NULL,
		      "checkpoint-dir", "a checkpoint restore of \"web/db\"");

	/* checks by name: only those run */
	allow_or_deny(rs, "privonly", "POST", CREATE,
		      "{\"HostConfig\":{\"Privileged\":true}}",
		      "HostConfig.Privileged is true", "privileged alone: Privileged");
	allow_or_deny(rs, "privonly", "POST", CREATE,
		      "{\"HostConfig\":{\"CapAdd\":[\"SYS_ADMIN\"],"
		      "\"NetworkMode\":\"host\",\"Binds\":[\"/:/h\"]}}",
		      NULL, "privileged alone: CapAdd, host network, / bind pass");
	allow_or_deny(rs, "privonly", "POST", "/containers/c/exec",
		      "{\"Privileged\":true}", NULL,
		      "privileged alone: a privileged exec passes");
	allow_or_deny(rs, "execonly", "POST", CREATE,
		      "{\"HostConfig\":{\"Privileged\":true}}", NULL,
		      "exec and plugins: a privileged create passes");
	allow_or_deny(rs, "execonly", "POST", CREATE, NULL, NULL,
		      "exec and plugins: a create's body is not even read");
	allow_or_deny(rs, "execonly", "POST", "/containers/c/exec",
		      "{\"Privileged\":true}", "exec Privileged is true",
		      "exec and plugins: a privileged exec");
	allow_or_deny(rs, "execonly", "POST", "/plugins/p/enable", NULL,
		      "plugin management", "exec and plugins: a plugin enable");

	/* init errors: file:line:col, the column at the word (and into it) */
	{
		static const struct {
			const char *cn, *msg;
			unsigned col;
		} e[] = {
			{"e1", "hostaccess: unknown check or option \"bogus\"", 22},
			{"e2", "hostaccess: allow-bind= needs a value", 33 + 11},
			{"e3", "hostaccess: allow-bind= takes an absolute path", 22 + 11},
			{"e4", "hostaccess: unknown check or option \"allow-cap\"", 22},
		};
		const char *e5 = NULL;

		is_int((long long)ruleset_nerrors(rs), 7,
		       "the seven broken files are errors");
		for (size_t k = 0; k < ruleset_nerrors(rs); k++)
			if (strstr(ruleset_error(rs, k), "/e6:1:") != NULL)
				e5 = ruleset_error(rs, k);
		like(e5, "allow-port= takes a port from 1 to 1023",
		     "e6: allow-port= is for the host's own ports only");
		e5 = NULL;
		for (size_t k = 0; k < ruleset_nerrors(rs); k++)
			if (strstr(ruleset_error(rs, k), "/e7:1:") != NULL)
				e5 = ruleset_error(rs, k);
		like(e5, "allow-join= takes namespaces",
		     "e7: allow-join= names what it leaves to the owner module");
		e5 = NULL;
		/* (a quoted word: the column is the quote's plus the offset) */
		for (size_t k = 0; k < ruleset_nerrors(rs); k++)
			if (strstr(ruleset_error(rs, k), "/e5:1:") != NULL)
				e5 = ruleset_error(rs, k);
		like(e5, ": hostaccess: allow-sysctl= needs a value",
		     "e5: a quoted \"allow-sysctl=\" needs a value too");
		for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
			char want[PATH_MAX + 200];
			const char *got = NULL;
			struct verdict v;

			snprintf(want, sizeof want, "%s/%s:1:%u: %s",
				 scratch_at("rules"), e[i].cn, e[i].col, e[i].msg);
			for (size_t k = 0; k < ruleset_nerrors(rs); k++) {
				const char *s = ruleset_error(rs, k);
				const char *slash = strrchr(s, '/');

				if (slash != NULL &&
				    strncmp(slash + 1, e[i].cn, strlen(e[i].cn)) == 0 &&
				    slash[1 + strlen(e[i].cn)] == ':')
					got = s;
			}
			is_str(got, want, "%s: the error is reported with line:col",
			       e[i].cn);
			judge(rs, e[i].cn, "GET", "/_ping", NULL, &v);
			ok(!v.allow, "%s: the broken file denies everything", e[i].cn);
		}
	}
	ruleset_unref(rs);
	scratch_remove();
}

int main(void)
{
	struct ruleset_opts o = {.insecure_permissions = true};
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/rules", tap_top());
	repo = load_rules(path, &o);
	/* what the shipped @developer's owner line looks up */
	owners_put(test_owners(), OWN_CONTAINER,
		   "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0",
		   &(struct own_put){.name = "web", .cn = "client"});
	owners_put(test_owners(), OWN_CONTAINER,
		   "db0db0db0db0db0db0db0db0db0db0db0db0db0db0db0db0db0db0db0db0db0d",
		   &(struct own_put){.name = "db", .cn = "admin"});
	test_create();
	test_top_level();
	test_other_endpoints();
	test_catalogue();
	test_options();
	ruleset_unref(repo);
	return done_testing();
}
