"""The shared cache on Redis: Django's backend, keeping one ``redis.Redis`` client per connection
pool.

Django's backend builds a new client object for every operation, and redis-py's constructor fills
a table of some 170 response callbacks each time: about as much CPU as the GET itself, paid by
every request (the set-up token, the session). A client holds nothing between commands but its
pool, which Django already keeps, so one client per pool serves every operation the same way.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _OneClientPerPool(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool
