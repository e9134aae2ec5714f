/** Container and Kubernetes pod identity read from /proc/PID/cgroup. */

// Docker, containerd and CRI-O put the 64-hex container id last in the path,
// with or without a systemd `.scope` suffix.
const CONTAINER_ID = /([0-9a-f]{64})(?:\.scope)?\s*$/m;
// The kubelet names the pod's cgroup `pod<uid>` (cgroupfs driver, dashes) or
// `kubepods-<qos>-pod<uid>.slice` (systemd driver, dashes turned to underscores).
const POD_UID = /kubepods[^\n]*?pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/;

export function containerIdFromCgroup(cgroup: string): string | undefined {
  return CONTAINER_ID.exec(cgroup)?.[1];
}

/** The pod uid in its canonical dashed form, as `k8s.pod.uid` carries it. */
export function podUidFromCgroup(cgroup: string): string | undefined {
  return POD_UID.exec(cgroup)?.[1]?.replaceAll('_', '-');
}
