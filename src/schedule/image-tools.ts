/**
 * The programs the gameday image (the Dockerfile's runtime stage) carries for a scheduled lab run, and the
 * Debian packages they come from: ssh to the hosts, ipmitool to their BMCs, sh for a local template with
 * pipes. etcdctl and etcdutl are not among them: a lab run executes them on the etcd hosts over ssh (the
 * profile's etcd.etcdctl/etcdutl), a kind run inside the etcd container.
 */
export const IMAGE_TOOLS: Readonly<Record<string, string>> = {
  ssh: 'openssh-client',
  ipmitool: 'ipmitool',
  sh: 'dash',
  env: 'coreutils',
};
