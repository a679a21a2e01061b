"""The one place where "staff see and act only inside their region" is enforced.

Every back-office route that touches region-bound records receives a ``RegionScope`` by
dependency injection (see ``provide_scope``) and goes through it: ``get`` answers 404 for a
record outside the subtree (its existence is not revealed), ``ensure`` answers 403 for a
region code a form or URL names outside it, and ``where`` narrows a query to the subtree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.regions.codes import RegionCodeError, in_subtree, scope_prefix
from server.regions.models import Region

T = TypeVar("T")


@dataclass(frozen=True)
class RegionScope:
    code: str

    @property
    def prefix(self) -> str:
        return scope_prefix(self.code)

    def contains(self, code: str | None) -> bool:
        if not code:
            return False
        try:
            return in_subtree(self.code, code)
        except RegionCodeError:
            return False

    def where(self, column: Any) -> ColumnElement[bool]:
        return column.like(self.prefix + "%")

    def ensure(self, code: str | None) -> str:
        if not self.contains(code):
            raise PermissionDeniedException(detail="error.out_of_region")
        return code  # type: ignore[return-value]

    async def get(
        self, session: AsyncSession, model: type[T], key: Any, region_attr: str = "region_code"
    ) -> T:
        if isinstance(key, int) and not -(2**63) <= key < 2**63:  # a forged id no database column can hold
            raise NotFoundException(detail="error.not_found")
        obj = await session.get(model, key)
        if obj is None or not self.contains(getattr(obj, region_attr)):
            raise NotFoundException(detail="error.not_found")
        return obj

    async def region(self, session: AsyncSession, code: str) -> Region:
        return await self.get(session, Region, code, region_attr="code")

    async def narrow(self, session: AsyncSession, code: str | None) -> RegionScope:
        """A picked sub-region (the upper levels' region picker); 403 outside the subtree."""
        if not code or code == self.code:
            return self
        self.ensure(code)
        if await session.get(Region, code) is None:
            raise NotFoundException(detail="error.not_found")
        return RegionScope(code)

    async def children(self, session: AsyncSession) -> list[Region]:
        rows = await session.scalars(
            select(Region).where(Region.parent_code == self.code).order_by(Region.code)
        )
        return list(rows)
