"""Django's Redis cache, with Redis out of reach read as a miss instead of an error page.

The cache only saves work: every value in it can be computed again from the database. So while Redis is down
(stopped, restarting, unreachable) a read is a miss, a write is dropped, and the pages answer from the database,
slower but whole. After a failure Redis is not asked again for RETRY_AFTER seconds, so a page making many cache
calls does not wait for a connection attempt on each of them.
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds without asking Redis after it failed

# Django builds one cache object per thread; an outage is the server's, so it is remembered per server list.
_down_until = {}
_lock = threading.Lock()


_MISSING = object()


class ResilientRedisCacheClient(RedisCacheClient):
    def _call(self, method, args, fallback):
        where = ",".join(self._servers)
        if time.monotonic() < _down_until.get(where, 0.0):
            return fallback
        try:
            return method(*args)
        except RedisError as error:
            with _lock:
                first = time.monotonic() >= _down_until.get(where, 0.0)
                _down_until[where] = time.monotonic() + RETRY_AFTER
            if first:
                logger.warning("Cache at %s unreachable, pages are served without it: %s", where, error)
            return fallback

    def add(self, key, value, timeout):
        return self._call(super().add, (key, value, timeout), False)

    def get(self, key, default):
        return self._call(super().get, (key, default), default)

    def set(self, key, value, timeout):
        self._call(super().set, (key, value, timeout), None)

    def touch(self, key, timeout):
        return self._call(super().touch, (key, timeout), False)

    def delete(self, key):
        return self._call(super().delete, (key,), False)

    def get_many(self, keys):
        return self._call(super().get_many, (keys,), {})

    def has_key(self, key):
        return self._call(super().has_key, (key,), False)

    def incr(self, key, delta):
        value = self._call(super().incr, (key, delta), _MISSING)
        if value is _MISSING:
            # what a missing key raises: callers of incr() handle it already
            raise ValueError(f"Key '{key}' not found (the cache is unreachable).")
        return value

    def set_many(self, data, timeout):
        self._call(super().set_many, (data, timeout), None)

    def delete_many(self, keys):
        self._call(super().delete_many, (keys,), None)

    def clear(self):
        return self._call(super().clear, (), False)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
