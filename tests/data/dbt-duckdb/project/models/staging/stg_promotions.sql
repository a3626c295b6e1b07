select code, discount from {{ source('ext', 'promotions') }}
