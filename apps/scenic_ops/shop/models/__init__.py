from scenic_ops.shop.models.catalogue import Category, Product, ShopPoint, Sku, Stock  # noqa: F401
from scenic_ops.shop.models.logistics import PickupCard, Shipment, ShippingRate  # noqa: F401
from scenic_ops.shop.models.members import Member, MemberLevel, PointsEntry  # noqa: F401
from scenic_ops.shop.models.orders import (  # noqa: F401
    Order,
    OrderLine,
    Payment,
    PaymentNotification,
    Refund,
    Reservation,
)
from scenic_ops.shop.models.promotions import (  # noqa: F401
    Coupon,
    CouponRedemption,
    FlashSale,
    Group,
    GroupDeal,
    GroupSeat,
    ThresholdOffer,
)
