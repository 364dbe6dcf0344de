namespace Kata.Oci.Tests.Infrastructure;

/// <summary>Hand-written configurations used by several tests.</summary>
public static class SampleConfigs
{
    /// <summary>
    /// Every member of the Linux configuration set, each to a value that differs from its default, so a round trip
    /// proves each JSON name is mapped (a wrong name would be dropped as unknown and the comparison would fail).
    /// Valid under the validator (the namespaces each setting needs are there).
    /// </summary>
    public const string Rich = """
        {
          "ociVersion": "1.2.0",
          "process": {
            "terminal": true,
            "consoleSize": { "height": 25, "width": 80 },
            "user": { "uid": 1000, "gid": 1001, "umask": 18, "additionalGids": [5, 6], "username": "alice" },
            "args": ["/bin/sh", "-c", "echo hi"],
            "commandLine": "cmd.exe /c echo hi",
            "env": ["PATH=/usr/bin:/bin", "TERM=xterm", "EMPTY="],
            "cwd": "/home/alice",
            "capabilities": {
              "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_CHECKPOINT_RESTORE"],
              "effective": ["CAP_KILL"],
              "inheritable": ["CAP_NET_RAW"],
              "permitted": ["CAP_KILL", "CAP_NET_RAW"],
              "ambient": ["CAP_NET_RAW"]
            },
            "rlimits": [
              { "type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024 },
              { "type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 0 }
            ],
            "noNewPrivileges": true,
            "apparmorProfile": "kata-default",
            "oomScoreAdj": -500,
            "scheduler": {
              "policy": "SCHED_DEADLINE",
              "nice": 5,
              "flags": ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_UTIL_CLAMP_MAX"],
              "runtime": 10000000,
              "deadline": 20000000,
              "period": 30000000
            },
            "selinuxLabel": "system_u:system_r:container_t:s0",
            "ioPriority": { "class": "IOPRIO_CLASS_BE", "priority": 4 }
          },
          "root": { "path": "/var/lib/bundle/rootfs", "readonly": true },
          "hostname": "box",
          "domainname": "example.org",
          "mounts": [
            { "destination": "/proc", "type": "proc", "source": "proc" },
            {
              "destination": "/data",
              "type": "bind",
              "source": "/srv/data",
              "options": ["rbind", "ro", "idmap"],
              "uidMappings": [{ "containerID": 0, "hostID": 100000, "size": 65536 }],
              "gidMappings": [{ "containerID": 0, "hostID": 200000, "size": 65536 }]
            }
          ],
          "hooks": {
            "prestart": [{ "path": "/usr/bin/prestart", "args": ["prestart", "-v"], "env": ["A=1"], "timeout": 5 }],
            "createRuntime": [{ "path": "/usr/bin/create-runtime" }],
            "createContainer": [{ "path": "/usr/bin/create-container", "timeout": 1 }],
            "startContainer": [{ "path": "/usr/bin/start-container", "args": ["start-container"] }],
            "poststart": [{ "path": "/usr/bin/poststart", "env": ["B=2", "C=3"] }],
            "poststop": [{ "path": "/usr/bin/poststop", "timeout": 30 }]
          },
          "annotations": { "io.kubernetes.cri.sandbox-id": "abc123", "org.example.note": "hello <world> & more" },
          "linux": {
            "uidMappings": [{ "containerID": 0, "hostID": 100000, "size": 65536 }],
            "gidMappings": [{ "containerID": 0, "hostID": 200000, "size": 65536 }, { "containerID": 65536, "hostID": 5000, "size": 1 }],
            "sysctl": { "net.ipv4.ip_forward": "1", "kernel.shmmax": "68719476736", "fs.mqueue.msg_max": "100" },
            "resources": {
              "devices": [
                { "allow": false, "access": "rwm" },
                { "allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw" },
                { "allow": true, "type": "b", "major": 8, "access": "r" }
              ],
              "memory": {
                "limit": 536870912,
                "reservation": 268435456,
                "swap": 1073741824,
                "kernel": -1,
                "kernelTCP": 1048576,
                "swappiness": 60,
                "disableOOMKiller": true,
                "useHierarchy": false,
                "checkBeforeUpdate": true
              },
              "cpu": {
                "shares": 1024,
                "quota": 50000,
                "burst": 10000,
                "period": 100000,
                "realtimeRuntime": 950000,
                "realtimePeriod": 1000000,
                "cpus": "0-1,3",
                "mems": "0",
                "idle": 1
              },
              "pids": { "limit": 128 },
              "blockIO": {
                "weight": 500,
                "leafWeight": 300,
                "weightDevice": [{ "major": 8, "minor": 0, "weight": 600, "leafWeight": 200 }],
                "throttleReadBpsDevice": [{ "major": 8, "minor": 0, "rate": 1048576 }],
                "throttleWriteBpsDevice": [{ "major": 8, "minor": 16, "rate": 2097152 }],
                "throttleReadIOPSDevice": [{ "major": 8, "minor": 0, "rate": 100 }],
                "throttleWriteIOPSDevice": [{ "major": 8, "minor": 16, "rate": 200 }]
              },
              "hugepageLimits": [{ "pageSize": "2MB", "limit": 209715200 }, { "pageSize": "1GB", "limit": 0 }],
              "network": { "classID": 1048577, "priorities": [{ "name": "eth0", "priority": 500 }, { "name": "lo", "priority": 1000 }] },
              "rdma": { "mlx5_1": { "hcaHandles": 3, "hcaObjects": 10000 } },
              "unified": { "memory.high": "400M", "io.weight": "default 100" }
            },
            "cgroupsPath": "/kata/box",
            "namespaces": [
              { "type": "pid" },
              { "type": "network", "path": "/var/run/netns/box" },
              { "type": "mount" },
              { "type": "ipc" },
              { "type": "uts" },
              { "type": "user" },
              { "type": "cgroup" },
              { "type": "time" }
            ],
            "devices": [
              { "path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0 },
              { "path": "/dev/sda", "type": "b", "major": 8, "minor": 0 },
              { "path": "/dev/pipe", "type": "p", "major": 0, "minor": 0 }
            ],
            "seccomp": {
              "defaultAction": "SCMP_ACT_ERRNO",
              "defaultErrnoRet": 38,
              "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
              "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
              "listenerPath": "/run/seccomp-agent.sock",
              "listenerMetadata": "agent-data",
              "syscalls": [
                { "names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW" },
                { "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 0, "value": 8, "op": "SCMP_CMP_EQ" }] },
                { "names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                  "args": [{ "index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ" }] },
                { "names": ["mount"], "action": "SCMP_ACT_NOTIFY" },
                { "names": ["ptrace"], "action": "SCMP_ACT_KILL_PROCESS" },
                { "names": ["socket"], "action": "SCMP_ACT_LOG", "args": [{ "index": 1, "value": 3, "valueTwo": 7, "op": "SCMP_CMP_MASKED_EQ" }] }
              ]
            },
            "rootfsPropagation": "rslave",
            "maskedPaths": ["/proc/kcore", "/sys/firmware"],
            "readonlyPaths": ["/proc/sys"],
            "mountLabel": "system_u:object_r:container_file_t:s0",
            "intelRdt": {
              "closID": "guaranteed",
              "schemata": "L3:0=ff",
              "l3CacheSchema": "L3:0=f",
              "memBwSchema": "MB:0=70",
              "enableCMT": true,
              "enableMBM": true
            },
            "personality": { "domain": "LINUX32" },
            "timeOffsets": { "monotonic": { "secs": 3600, "nanosecs": 500 }, "boottime": { "secs": -60 } }
          }
        }
        """;
}
