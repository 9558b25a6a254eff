"""Static tables the demo network is built from: real provinces, cities and districts."""

from __future__ import annotations

# (hub code, province, city, hub district, [outlet districts], region group)
HUBS: list[tuple[str, str, str, str, list[str], str]] = [
    ("BJ", "北京市", "北京市", "大兴区", ["朝阳区", "海淀区", "东城区"], "north"),
    ("SH", "上海市", "上海市", "青浦区", ["浦东新区", "徐汇区", "静安区"], "east"),
    ("GZ", "广东省", "广州市", "白云区", ["天河区", "越秀区", "海珠区"], "south"),
    ("SZ", "广东省", "深圳市", "宝安区", ["南山区", "福田区"], "south"),
    ("HZ", "浙江省", "杭州市", "萧山区", ["西湖区", "上城区", "拱墅区"], "east"),
    ("NJ", "江苏省", "南京市", "江宁区", ["玄武区", "鼓楼区"], "east"),
    ("CD", "四川省", "成都市", "双流区", ["武侯区", "锦江区", "青羊区"], "southwest"),
    ("WH", "湖北省", "武汉市", "东西湖区", ["江汉区", "武昌区"], "central"),
    ("JN", "山东省", "济南市", "历城区", ["历下区", "市中区"], "north"),
    ("ZZ", "河南省", "郑州市", "管城回族区", ["金水区", "二七区"], "central"),
    ("XA", "陕西省", "西安市", "未央区", ["雁塔区", "碑林区"], "northwest"),
]

STREET_WORDS = [
    "建设",
    "人民",
    "解放",
    "中山",
    "和平",
    "胜利",
    "新华",
    "文化",
    "长江",
    "黄河",
    "光明",
    "幸福",
    "友谊",
    "朝阳",
    "东风",
    "科技",
    "创业",
    "学府",
    "滨江",
    "湖滨",
]
STREET_SUFFIX = ["路", "街", "大道"]
COMMUNITIES = ["花园", "小区", "公寓", "大厦", "广场", "家园", "新村", "苑"]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强海燕玉兰晓东红梅俊"
    "杰子涵浩然欣怡宇轩梓萱佳琪思远雨桐"
)

SHOP_PREFIX = [
    "优品",
    "鲜果",
    "潮流",
    "数码",
    "母婴",
    "家居",
    "书香",
    "茶语",
    "美妆",
    "运动",
    "宠物",
    "户外",
]
SHOP_SUFFIX = ["旗舰店", "专营店", "电商有限公司", "贸易有限公司", "商行"]

CONTENTS = [
    "服装",
    "图书",
    "手机配件",
    "茶叶",
    "化妆品",
    "零食",
    "文件",
    "玩具",
    "鞋",
    "小家电",
    "水果",
    "日用品",
]

# Destinations outside the demo network (parcels to outlets we don't model: 超区 for us).
FAR_ADDRESSES = [
    "新疆维吾尔自治区乌鲁木齐市天山区解放北路100号",
    "西藏自治区拉萨市城关区北京中路25号",
    "黑龙江省哈尔滨市南岗区西大直街92号",
    "云南省昆明市五华区青年路300号",
    "海南省海口市龙华区国贸大道8号",
]
# Addresses nobody can place: recorded as unparsed for the desk to fix.
BAD_ADDRESSES = ["门口那家小卖部旁边", "老地方", "公司前台（电话联系）"]

MOBILE_PREFIXES = [
    "138",
    "139",
    "137",
    "136",
    "150",
    "151",
    "152",
    "158",
    "159",
    "186",
    "187",
    "188",
    "177",
    "133",
    "189",
    "199",
    "166",
]

# (airline, flight, aircraft, origin, destination, departure, arrival) for the air lanes.
FLIGHTS = [
    ("CA", "CA1301", "B737-800F", "BJ", "GZ", "22:30", "01:55"),
    ("CZ", "CZ3100", "B737-800F", "GZ", "BJ", "23:10", "02:30"),
    ("MU", "MU5138", "A321P2F", "SH", "CD", "22:00", "01:20"),
    ("O3", "O36915", "B757-200F", "SZ", "BJ", "23:40", "03:00"),
    ("O3", "O36916", "B757-200F", "BJ", "SZ", "00:30", "03:50"),
    ("CA", "CA4112", "B737-800F", "CD", "SH", "23:30", "02:10"),
]

# Price zones by region group (same province is zone 1; remote provinces zone 4 by rule).
NEAR_GROUPS = {
    ("east", "east"), ("north", "north"), ("south", "south"), ("central", "central"),
    ("north", "central"), ("central", "east"), ("central", "south"), ("southwest", "northwest"),
}  # fmt: skip
