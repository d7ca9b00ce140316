// Failpoints: named places where a crash test can kill the process for real (SIGKILL, no
// cleanup), to prove that work resumes with nothing lost and nothing doubled. Off unless
// PORCHLIGHT_FAILPOINT names one; costs a string compare when off.

export type Failpoint = (name: string) => void;

export function createFailpoint(spec: string | undefined): Failpoint {
  if (!spec) return () => {};
  const [target, count] = spec.split(':');
  let hits = 0;
  return (name) => {
    if (name === target && ++hits === Number(count)) process.kill(process.pid, 'SIGKILL');
  };
}
