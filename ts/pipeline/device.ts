/** The device a process uses: 'auto' is CUDA when the addon sees a GPU, else the CPU; distributed CUDA workers take their local rank's GPU. */
export function resolveDevice(requested: string, cudaAvailable: boolean, dist?: { worldSize: number; localRank: number }): string {
  const device = requested === 'auto' ? (cudaAvailable ? 'cuda' : 'cpu') : requested;
  return device === 'cuda' && dist && dist.worldSize > 1 ? `cuda:${dist.localRank}` : device;
}
