# A FUSE file system that models a power cut: file data reaches the backing directory only when
# fsync/fdatasync is called on it; until then it lives in this process's memory. Killing this
# process (SIGKILL) therefore drops every unsynced write, as a power cut drops dirty pages.
# Metadata (create, rename, unlink, mkdir) is applied to the backing directory at once, like a
# journaling file system that committed its metadata but not the data: after a cut, a file that
# was created but never synced exists and is empty (the classic zero-length-file-after-crash).
# Usage: python3 unsynced-fs.py <backing-dir> <mountpoint>
import errno
import os
import sys

from fusepy import FUSE, FuseOSError, Operations


class UnsyncedFs(Operations):
    def __init__(self, root):
        self.root = root
        # path -> [content bytearray, lowest offset changed since the last sync or None when clean]
        self.cache = {}
        self.next_fh = 1

    def _p(self, path):
        return os.path.join(self.root, path.lstrip('/'))

    def _content(self, path):
        entry = self.cache.get(path)
        if entry is None:
            with open(self._p(path), 'rb') as f:
                entry = [bytearray(f.read()), None]
            self.cache[path] = entry
        return entry

    def _mark(self, entry, offset):
        entry[1] = offset if entry[1] is None else min(entry[1], offset)

    def getattr(self, path, fh=None):
        try:
            st = os.lstat(self._p(path))
        except FileNotFoundError:
            raise FuseOSError(errno.ENOENT)
        attrs = {k: getattr(st, k) for k in ('st_mode', 'st_uid', 'st_gid', 'st_nlink', 'st_atime', 'st_mtime', 'st_ctime', 'st_size')}
        entry = self.cache.get(path)
        if entry is not None:
            attrs['st_size'] = len(entry[0])
        return attrs

    def readdir(self, path, fh):
        return ['.', '..'] + os.listdir(self._p(path))

    def statfs(self, path):
        s = os.statvfs(self._p(path))
        return {k: getattr(s, k) for k in ('f_bsize', 'f_frsize', 'f_blocks', 'f_bfree', 'f_bavail', 'f_files', 'f_ffree', 'f_namemax')}

    def mkdir(self, path, mode):
        os.mkdir(self._p(path), mode)

    def rmdir(self, path):
        os.rmdir(self._p(path))

    def chmod(self, path, mode):
        os.chmod(self._p(path), mode)

    def utimens(self, path, times=None):
        os.utime(self._p(path), times)

    def _fh(self):
        self.next_fh += 1
        return self.next_fh

    def create(self, path, mode, fi=None):
        os.close(os.open(self._p(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode))
        self.cache[path] = [bytearray(), None]
        return self._fh()

    def open(self, path, flags):
        if not os.path.exists(self._p(path)):
            raise FuseOSError(errno.ENOENT)
        if flags & os.O_TRUNC:
            self.truncate(path, 0)
        return self._fh()

    def read(self, path, size, offset, fh):
        entry = self.cache.get(path)
        if entry is not None:
            return bytes(entry[0][offset:offset + size])
        with open(self._p(path), 'rb') as f:
            f.seek(offset)
            return f.read(size)

    def write(self, path, data, offset, fh):
        entry = self._content(path)
        buf = entry[0]
        if offset > len(buf):
            buf.extend(b'\0' * (offset - len(buf)))
        buf[offset:offset + len(data)] = data
        self._mark(entry, offset)
        return len(data)

    def truncate(self, path, length, fh=None):
        entry = self._content(path)
        buf = entry[0]
        if length < len(buf):
            del buf[length:]
        else:
            buf.extend(b'\0' * (length - len(buf)))
        self._mark(entry, min(length, len(buf)))

    def fsync(self, path, datasync, fh):
        entry = self.cache.get(path)
        if entry is None or entry[1] is None:
            return 0
        buf, since = entry
        with open(self._p(path), 'r+b') as f:
            f.seek(since)
            f.write(buf[since:])
            f.truncate(len(buf))
        entry[1] = None
        return 0

    def fsyncdir(self, path, datasync, fh):
        return 0

    def flush(self, path, fh):
        # close() is not a sync: the data stays volatile.
        return 0

    def release(self, path, fh):
        return 0

    def unlink(self, path):
        os.unlink(self._p(path))
        self.cache.pop(path, None)

    def rename(self, old, new):
        os.rename(self._p(old), self._p(new))
        entry = self.cache.pop(old, None)
        if entry is not None:
            self.cache[new] = entry
        else:
            self.cache.pop(new, None)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.stderr.write('usage: unsynced-fs.py <backing-dir> <mountpoint>\n')
        sys.exit(2)
    FUSE(UnsyncedFs(sys.argv[1]), sys.argv[2], foreground=True, nothreads=True)
