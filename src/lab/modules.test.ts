import { describe, expect, it } from 'vitest';
import { moduleLoadOrder, parseModulesDep } from './modules.js';

const DEP = `kernel/fs/netfs/netfs.ko:
kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/net/9p/9pnet.ko:
kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko
kernel/fs/overlayfs/overlay.ko:
`;

describe('kernel module load order', () => {
  it('puts every dependency before the module that needs it, each once', () => {
    const order = moduleLoadOrder(parseModulesDep(DEP), ['virtio_pci', '9pnet_virtio', '9p', 'overlay']).map((m) => m.name);
    expect(new Set(order).size).toBe(order.length);
    const before = (a: string, b: string) => expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
    before('virtio_ring', 'virtio');
    before('virtio', 'virtio_pci');
    before('9pnet', '9pnet_virtio');
    before('netfs', 'fscache');
    before('fscache', '9p');
    expect(order).toHaveLength(11);
  });

  it('names a module that the kernel does not have', () => {
    expect(() => moduleLoadOrder(parseModulesDep(DEP), ['eql'])).toThrow(/eql is not in modules.dep/);
  });
});
