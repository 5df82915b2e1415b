"""API: token auth, regions and agencies — all read through the scoping layer."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from espm.api_base import ErrorSerializer, Pagination, TokenRateThrottle
from regions import tokens
from regions.models import Agency, Level, Region
from regions.scoping import Action, acting_user

if TYPE_CHECKING:
    from indicators.models import Sector

# ---------------------------------------------------------------- tokens


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires = serializers.DateTimeField()


class TokenInfoSerializer(serializers.Serializer):
    """A token as listed: never the whole key, only enough to recognise it."""

    id = serializers.SerializerMethodField(help_text="Delapan karakter awal token.")
    created = serializers.DateTimeField()
    expires = serializers.SerializerMethodField(
        help_text="Token tidak berlaku lagi sejak saat ini."
    )

    def get_id(self, obj: Token) -> str:
        return obj.key[: tokens.PREFIX_LENGTH]

    def get_expires(self, obj: Token) -> dt.datetime:
        return tokens.expires_at(obj)


class TokenObtainView(APIView):
    """Exchange username and password for an API token (one per user, reused until revoked)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [TokenRateThrottle]
    throttle_scope = "api_token"
    public_endpoint = True
    extra_error_codes = ("403",)

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer},
        tags=["auth"],
        auth=[],
        summary="Tukar username dan password dengan token API",
    )
    def post(self, request: Request) -> Response:
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(
            django_request,
            username=form.validated_data["username"],
            password=form.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            # Answer in JSON here rather than letting the axes middleware render its HTML page.
            django_request.axes_locked_out = False  # type: ignore[attr-defined]
            raise exceptions.PermissionDenied(
                _("Akun terkunci sementara karena terlalu banyak percobaan masuk yang gagal.")
            )
        if user is None or not user.is_active:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Username atau password salah.")]}
            )
        token = tokens.issue(user)
        return Response({"token": token.key, "expires": tokens.expires_at(token)})


@extend_schema_view(
    list=extend_schema(tags=["auth"], summary="Token API milik saya"),
    destroy=extend_schema(
        tags=["auth"],
        summary="Cabut token",
        responses={204: OpenApiResponse(description="Token dicabut."), 404: ErrorSerializer},
    ),
)
class TokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own tokens; revoking one logs out every client that used it."""

    serializer_class = TokenInfoSerializer
    pagination_class = Pagination
    lookup_url_kwarg = "prefix"
    lookup_value_regex = "[^/]+"
    queryset = Token.objects.none()

    def get_queryset(self) -> QuerySet[Token]:
        return Token.objects.filter(user=self.request.user).order_by("-created")  # type: ignore[misc]

    def get_object(self) -> Token:
        prefix = self.kwargs["prefix"]
        token = self.get_queryset().filter(key__startswith=prefix).first()
        if token is None:
            raise exceptions.NotFound()
        return token

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tokens.revoke(acting_user(request.user), self.get_object().key[: tokens.PREFIX_LENGTH])
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- regions and agencies


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # type: ignore[assignment,var-annotated]

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "level",
            "parent",
            "province_code",
            "is_active",
            "contact_name",
            "contact_position",
            "contact_phone",
            "contact_email",
            "requires_head_signoff",
        ]


class RegionFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=Level.choices)
    parent = filters.CharFilter(field_name="parent__code", help_text="Kode wilayah induk")
    province = filters.CharFilter(field_name="province_code", help_text="Kode provinsi (2 digit)")
    is_active = filters.BooleanFilter()

    class Meta:
        model = Region
        fields = ["level", "parent", "province", "is_active"]


@extend_schema_view(
    list=extend_schema(tags=["regions"], summary="Wilayah yang boleh saya lihat"),
    retrieve=extend_schema(tags=["regions"], summary="Satu wilayah menurut kode Kemendagri"),
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    pagination_class = Pagination
    filterset_class = RegionFilter
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    queryset = Region.objects.none()

    def get_queryset(self) -> QuerySet[Region]:
        return (
            Region.objects.visible_to(self.request.user, Action.VIEW)
            .select_related("parent")
            .order_by("code")
        )


class AgencySerializer(serializers.ModelSerializer):
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    sectors: serializers.SlugRelatedField[Sector] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Agency
        fields = [
            "id",
            "region",
            "name",
            "short_name",
            "is_active",
            "sectors",
            "contact_name",
            "contact_position",
            "contact_phone",
            "contact_email",
        ]


class AgencyFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code", help_text="Kode wilayah")
    short_name = filters.CharFilter(lookup_expr="iexact")
    sector = filters.CharFilter(field_name="sectors__code", help_text="Kode bidang, mis. KES")
    is_active = filters.BooleanFilter()

    class Meta:
        model = Agency
        fields = ["region", "short_name", "sector", "is_active"]


@extend_schema_view(
    list=extend_schema(tags=["regions"], summary="Perangkat daerah (OPD) yang boleh saya lihat"),
    retrieve=extend_schema(tags=["regions"], summary="Satu perangkat daerah"),
)
class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AgencySerializer
    pagination_class = Pagination
    filterset_class = AgencyFilter
    lookup_value_regex = r"[^/]+"
    queryset = Agency.objects.none()

    def get_queryset(self) -> QuerySet[Agency]:
        return (
            Agency.objects.visible_to(self.request.user, Action.VIEW)
            .select_related("region")
            .prefetch_related("sectors")
            .order_by("region__code", "short_name")
            .distinct()
        )
